package dev.lb.discovery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** How the discovery renderers write values into haproxy.cfg text. */
public final class ConfigSyntax {

    private ConfigSyntax() {
    }

    /** {@code s} as a regular expression that matches it literally (for {@code replace-path}). */
    public static String regexQuote(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if ("\\^$.|?*+()[]{}".indexOf(c) >= 0) {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** An address as a {@code server} or {@code bind} line writes it: IPv6 in brackets. */
    public static String addressText(InetAddress a) {
        return a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
    }

    /** A {@code bind} argument: {@code :port} for the wildcard address. */
    public static String bindText(InetSocketAddress a) {
        if (a.getAddress() == null || a.getAddress().isAnyLocalAddress()) {
            return ":" + a.getPort();
        }
        return addressText(a.getAddress()) + ":" + a.getPort();
    }
}
