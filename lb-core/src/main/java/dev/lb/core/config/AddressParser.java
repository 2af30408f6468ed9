package dev.lb.core.config;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Reads {@code bind} and {@code server} addresses (configuration manual, 4.2 "bind" and 5.2
 * "server"): {@code host:port}, {@code [v6]:port}, and for binds {@code :port} and
 * {@code *:port} (every IPv4 address, as in HAProxy). An unbracketed IPv6 address takes its
 * last colon as the port separator, as HAProxy reads {@code :::80}.
 */
final class AddressParser {

    private final HostResolver resolver;
    private final Problems problems;

    AddressParser(HostResolver resolver, Problems problems) {
        this.resolver = resolver;
        this.problems = problems;
    }

    /** One address of a {@code bind} line (the line's first word may hold several, comma-separated). */
    Optional<InetSocketAddress> bind(String text, ConfigLine line) {
        Optional<String[]> parts = split(stripFamily(text, line), line, "bind");
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        String host = parts.get()[0];
        Optional<Integer> port = port(parts.get()[1], text, line);
        if (port.isEmpty()) {
            return Optional.empty();
        }
        if (host.isEmpty() || host.equals("*")) {
            return Optional.of(new InetSocketAddress(anyV4(), port.get()));
        }
        return resolve(host, line).map(a -> new InetSocketAddress(a, port.get()));
    }

    /** The address of a {@code server} line; the port is required (see the message). */
    Optional<InetSocketAddress> server(String text, ConfigLine line) {
        String addr = stripFamily(text, line);
        if (addr == null) {
            return Optional.empty();
        }
        boolean hasPort = addr.startsWith("[") ? addr.contains("]:") : addr.indexOf(':') >= 0;
        if (!hasPort) {
            problems.error(line, "server address '" + text + "' has no port (HAProxy would reuse the "
                    + "port the client connected to, which is not implemented yet)");
            return Optional.empty();
        }
        Optional<String[]> parts = split(addr, line, "server");
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        String portText = parts.get()[1];
        if (portText.startsWith("+") || portText.startsWith("-")) {
            problems.error(line, "relative server ports ('" + text + "') are not implemented yet");
            return Optional.empty();
        }
        Optional<Integer> port = port(portText, text, line);
        if (port.isEmpty()) {
            return Optional.empty();
        }
        if (parts.get()[0].isEmpty() || parts.get()[0].equals("*")) {
            problems.error(line, "server address '" + text + "' has no host");
            return Optional.empty();
        }
        return resolve(parts.get()[0], line).map(a -> new InetSocketAddress(a, port.get()));
    }

    private String stripFamily(String text, ConfigLine line) {
        if (text.startsWith("ipv4@") || text.startsWith("ipv6@")) {
            return text.substring(5);
        }
        int at = text.indexOf('@');
        if (at >= 0 || text.startsWith("/")) {
            problems.error(line, "address '" + text + "': only TCP addresses are implemented "
                    + "(no unix@, abns@, fd@ or socket paths yet)");
            return null;
        }
        return text;
    }

    /** {@code [host, port]}, or empty after an error. */
    private Optional<String[]> split(String addr, ConfigLine line, String what) {
        if (addr == null) {
            return Optional.empty();
        }
        if (addr.startsWith("[")) {
            int close = addr.indexOf("]:");
            if (close < 0) {
                problems.error(line, what + " address '" + addr + "' needs a port after ']:'");
                return Optional.empty();
            }
            return Optional.of(new String[] {addr.substring(1, close), addr.substring(close + 2)});
        }
        int colon = addr.lastIndexOf(':');
        if (colon < 0) {
            problems.error(line, what + " address '" + addr + "' has no port (expected host:port)");
            return Optional.empty();
        }
        return Optional.of(new String[] {addr.substring(0, colon), addr.substring(colon + 1)});
    }

    private Optional<Integer> port(String text, String whole, ConfigLine line) {
        if (text.contains("-")) {
            problems.error(line, "port ranges ('" + whole + "') are not implemented yet");
            return Optional.empty();
        }
        try {
            int p = Integer.parseInt(text);
            if (p >= 1 && p <= 65535) {
                return Optional.of(p);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.error(line, "invalid port '" + text + "' in '" + whole + "' (expected 1 to 65535)");
        return Optional.empty();
    }

    /** A host name or IP literal without a port ({@code addr} of a server), or empty after an error. */
    Optional<InetAddress> host(String host, ConfigLine line) {
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return resolve(host, line);
    }

    private Optional<InetAddress> resolve(String host, ConfigLine line) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        try {
            if (literal != null) {
                return Optional.of(InetAddress.getByAddress(literal));
            }
            return Optional.of(resolver.resolve(host));
        } catch (UnknownHostException | SecurityException e) {
            problems.error(line, "could not resolve address '" + host + "'");
            return Optional.empty();
        }
    }

    private static InetAddress anyV4() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
