package dev.lb.server;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Parses listen addresses as HAProxy writes them: {@code :80}, {@code *:80}, {@code 127.0.0.1:80},
 * {@code [::]:80}.
 */
final class BindAddress {

    private BindAddress() {
    }

    static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' must be [host]:port");
        }
        String host = text.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no valid port");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "': port out of range");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || host.equals("*")) {
            return new InetSocketAddress(port);
        }
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        try {
            return new InetSocketAddress(literal != null ? InetAddress.getByAddress(literal)
                    : InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "': unknown host " + host);
        }
    }
}
