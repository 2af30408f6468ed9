package dev.lb.core.dns;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A DNS server's address as lb.conf's {@code lb.dns.servers} and a {@code resolvers} section's
 * {@code nameserver} write it: {@code ip}, {@code ip:port}, {@code [v6]:port} or a bare IPv6
 * address; port 53 unless given.
 */
public final class Nameserver {

    private Nameserver() {
    }

    /** @throws IllegalArgumentException with a message quoting {@code text} */
    public static InetSocketAddress parse(String text) {
        String host = text;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' misses ']'");
            }
            host = text.substring(1, close);
            if (text.length() > close + 1) {
                if (text.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("'" + text + "' must be ip[:port]");
                }
                port = text.substring(close + 2);
            }
        } else if (text.indexOf(':') > 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            host = text.substring(0, text.indexOf(':'));
            port = text.substring(text.indexOf(':') + 1);
        }
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        if (ip == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address (ip[:port])");
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port == null ? 53 : port(text, port));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static int port(String text, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("'" + text + "' has an invalid port (1 to 65535)");
    }
}
