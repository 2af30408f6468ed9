package dev.lb.core.config;

import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.DnsTarget;
import dev.lb.core.table.Server;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code server NAME ADDR:PORT [options]} and {@code default-server [options]} (configuration
 * manual, 5.2 "Server and default-server options"). {@code default-server} options are read
 * first and the server's own override them, as in HAProxy. Health-check settings ({@code check},
 * {@code inter}, {@code fastinter}, {@code downinter}, {@code rise}, {@code fall}, {@code port},
 * {@code addr}) are kept on the server; options that change where or how lb connects are errors
 * until implemented.
 */
final class ServerParser {

    /** Options that change the connection and that lb does not implement yet, with the reason. */
    private static final Map<String, String> NOT_YET = Map.ofEntries(
            Map.entry("send-proxy-v2-ssl", "PROXY protocol to servers is not implemented yet"),
            Map.entry("send-proxy-v2-ssl-cn", "PROXY protocol to servers is not implemented yet"),
            Map.entry("ssl", "TLS to servers ('ssl') is not implemented yet"),
            Map.entry("check-ssl", "TLS health checks ('check-ssl') are not implemented yet"),
            Map.entry("cookie", "cookie persistence ('cookie') is not implemented yet"),
            Map.entry("redir", "server redirects ('redir') are not implemented yet"),
            Map.entry("track", "tracking another server's checks ('track') is not implemented yet"),
            Map.entry("agent-check", "agent checks are not implemented yet"),
            Map.entry("source", "a per-server source address ('source') is not implemented yet"),
            Map.entry("proto", "server protocols ('proto') are not implemented yet"),
            Map.entry("namespace", "network namespaces are not implemented yet"),
            Map.entry("maxqueue", "server queues ('maxqueue') are not implemented yet"),
            Map.entry("minconn", "dynamic maxconn ('minconn') is not implemented yet"));

    private static final Pattern DNS_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    /** Tuning options taking one argument that lb accepts and does not act on. */
    private static final Set<String> IGNORED_WITH_ARGUMENT = Set.of("id", "slowstart", "observe",
            "on-error", "on-marked-down", "on-marked-up", "error-limit", "weight-ratio", "pool-max-conn",
            "pool-low-conn", "pool-purge-delay", "max-reuse", "tfo", "log-proto", "check-proto",
            "check-sni", "agent-port", "agent-inter", "agent-addr", "agent-send", "resolve-net");

    private static final Set<String> IGNORED_FLAGS = Set.of("non-stick", "stick", "no-tfo", "check-send-proxy",
            "no-check-ssl", "no-ssl", "allow-0rtt", "ws");

    private ServerParser() {
    }

    static void server(ProxyDraft d, ConfigLine line) {
        Arguments args = new Arguments(line, d.problems);
        String name = args.word(1, "a name and an address");
        String addr = args.word(2, "an address such as 127.0.0.1:8080 after the server name");
        if (name == null || addr == null) {
            return;
        }
        if (!d.serverNames.add(name)) {
            d.problems.error(line, "backend '" + d.name() + "' already has a server named '" + name + "'");
        }
        List<String> options = new ArrayList<>(d.settings.defaultServer);
        options.addAll(line.from(3));
        String resolvers = resolvers(options);
        Optional<InetSocketAddress> address;
        if (resolvers != null && DnsName.of(addr).isPresent()) {
            // Resolved at run time: the address is the current answer's, and stays the one this
            // server had while the answer still holds it (HAProxy keeps it too).
            DnsName n = DnsName.of(addr).get();
            if (!checkDnsName(d, line, n, resolvers, true)) {
                return;
            }
            List<InetSocketAddress> answer = answer(d, n, resolvers);
            InetSocketAddress before = d.dns.previousAddress(d.name(), name);
            address = before != null && answer.contains(before) ? Optional.of(before)
                    : answer.stream().findFirst();
        } else {
            address = d.addresses.server(addr, line);
        }
        Server.Builder b = Server.builder(name, address.orElse(new InetSocketAddress(0)));
        boolean ok = options(b, options, line, d.problems, d.addresses, d.dns);
        if (ok && address.isPresent()) {
            d.servers.add(b.build());
        }
    }

    /**
     * {@code server-template PREFIX NUM|FIRST-LAST FQDN[:PORT] [options]}: up to NUM servers named
     * PREFIX1..PREFIXn, filled from the name's current records. A slot keeps its address while
     * the answer holds it; free slots take the new addresses in order; slots without a record
     * are left out (HAProxy shows them in maintenance). Without a {@code resolvers} option the
     * name is asked of {@code lb.dns.servers}.
     */
    static void serverTemplate(ProxyDraft d, ConfigLine line) {
        Arguments args = new Arguments(line, d.problems);
        String prefix = args.word(1, "a prefix, a number of servers and an address");
        String count = args.word(2, "a number of servers (or a range such as 1-5) after the prefix");
        String addr = args.word(3, "a host name such as web.service.consul:8080 after the number of servers");
        if (prefix == null || count == null || addr == null) {
            return;
        }
        int first = 1;
        int last;
        String[] range = count.split("-", 2);
        OptionalInt a = args.integer(range[0], "server-template number", 1, 10000);
        OptionalInt z = range.length == 2 ? args.integer(range[1], "server-template range end", 1, 10000)
                : OptionalInt.empty();
        if (a.isEmpty() || (range.length == 2 && z.isEmpty())) {
            return;
        }
        if (range.length == 2) {
            first = a.getAsInt();
            last = z.getAsInt();
            if (last < first) {
                d.problems.error(line, "server-template range '" + count + "' ends before it starts");
                return;
            }
        } else {
            last = a.getAsInt();
        }
        Optional<DnsName> n = DnsName.of(addr);
        if (n.isEmpty()) {
            d.problems.error(line, "server-template address '" + addr + "' must be a host name (with a port "
                    + "unless it is an SRV name such as _web._tcp.service.consul)");
            return;
        }
        List<String> options = new ArrayList<>(d.settings.defaultServer);
        options.addAll(line.from(4));
        String resolvers = resolvers(options);
        if (resolvers == null) {
            resolvers = DnsQuery.DEFAULT;
        }
        if (!checkDnsName(d, line, n.get(), resolvers, false)) {
            return;
        }
        Server.Builder check = Server.builder(prefix + first, new InetSocketAddress(0));
        if (!options(check, options, line, d.problems, d.addresses, d.dns)) {
            return;
        }
        List<InetSocketAddress> answer = new ArrayList<>(answer(d, n.get(), resolvers));
        Map<Integer, InetSocketAddress> slots = new TreeMap<>();
        for (int i = first; i <= last; i++) {
            if (!d.serverNames.add(prefix + i)) {
                d.problems.error(line, "backend '" + d.name() + "' already has a server named '"
                        + prefix + i + "'");
                return;
            }
            InetSocketAddress before = d.dns.previousAddress(d.name(), prefix + i);
            if (before != null && answer.remove(before)) {
                slots.put(i, before);
            }
        }
        for (int i = first; i <= last && !answer.isEmpty(); i++) {
            if (!slots.containsKey(i)) {
                slots.put(i, answer.remove(0));
            }
        }
        Problems quiet = new Problems();
        for (Map.Entry<Integer, InetSocketAddress> slot : slots.entrySet()) {
            Server.Builder b = Server.builder(prefix + slot.getKey(), slot.getValue());
            options(b, options, line, quiet, d.addresses, d.dns);
            d.servers.add(b.build());
        }
    }

    /** A DNS name with an optional port, as written on a server line. */
    record DnsName(String host, int port) {

        /** The host and port, unless the host is an IP literal (or the text is malformed). */
        static Optional<DnsName> of(String text) {
            if (text.startsWith("[") || text.contains("@") || text.startsWith("/")) {
                return Optional.empty();
            }
            String host = text;
            int port = 0;
            int colon = text.lastIndexOf(':');
            if (colon >= 0) {
                if (colon != text.indexOf(':')) {
                    return Optional.empty(); // an IPv6 literal
                }
                host = text.substring(0, colon);
                try {
                    port = Integer.parseInt(text.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (host.isEmpty() || NetUtil.createByteArrayFromIpAddressString(host) != null) {
                return Optional.empty();
            }
            return Optional.of(new DnsName(host, port));
        }
    }

    private static boolean checkDnsName(ProxyDraft d, ConfigLine line, DnsName n, String resolvers,
            boolean single) {
        if (!d.dns.hasSection(resolvers)) {
            d.problems.error(line, "no resolvers section named '" + resolvers + "'");
            return false;
        }
        if (n.port() < 0 || n.port() > 65535) {
            d.problems.error(line, "invalid port in '" + n.host() + ":" + n.port() + "' (expected 1 to 65535)");
            return false;
        }
        if (n.port() == 0 && !n.host().startsWith("_")) {
            d.problems.error(line, "server address '" + n.host() + "' has no port (only SRV names such as "
                    + "_web._tcp.service.consul carry their ports)");
            return false;
        }
        if (!DNS_NAME.matcher(n.host()).matches()) {
            d.problems.error(line, "'" + n.host() + "' is not a valid DNS name");
            return false;
        }
        return true;
    }

    /** The addresses the name resolves to now, with the configured port unless SRV gives one. */
    private static List<InetSocketAddress> answer(ProxyDraft d, DnsName n, String resolvers) {
        DnsAnswer a = d.dns.answer(new DnsQuery(resolvers, n.host()));
        if (a == null) {
            return List.of();
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (DnsTarget t : a.targets()) {
            int port = t.port() != 0 ? t.port() : n.port();
            if (port > 0) {
                InetSocketAddress s = new InetSocketAddress(t.address(), port);
                if (!out.contains(s)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** The last {@code resolvers NAME} of the options (default-server's first, then the line's). */
    private static String resolvers(List<String> options) {
        String name = null;
        for (int i = 0; i + 1 < options.size(); i++) {
            if (options.get(i).equals("resolvers")) {
                name = options.get(i + 1);
            }
        }
        return name;
    }

    static void defaultServer(ProxyDraft d, ConfigLine line) {
        // Checked now so that a bad default-server is reported once, at its own line.
        Server.Builder scratch = Server.builder("default-server", new InetSocketAddress(0));
        if (options(scratch, line.from(1), line, d.problems, d.addresses, d.dns)) {
            d.settings.defaultServer.addAll(line.from(1));
        }
    }

    /** Applies options in order; false after an error. */
    private static boolean options(Server.Builder b, List<String> options, ConfigLine line, Problems problems,
            AddressParser addresses, DnsContext dns) {
        Arguments args = new Arguments(line, problems);
        boolean ok = true;
        for (int i = 0; i < options.size(); i++) {
            String opt = options.get(i);
            String next = i + 1 < options.size() ? options.get(i + 1) : null;
            switch (opt) {
                case "check" -> b.check(true);
                case "no-check" -> b.check(false);
                case "backup" -> b.backup(true);
                case "no-backup" -> b.backup(false);
                case "disabled" -> b.disabled(true);
                case "send-proxy" -> b.sendProxy(Server.ProxyProtocol.V1);
                case "send-proxy-v2" -> b.sendProxy(Server.ProxyProtocol.V2);
                case "no-send-proxy", "no-send-proxy-v2" -> b.sendProxy(Server.ProxyProtocol.NONE);
                case "enabled" -> b.disabled(false);
                case "weight", "maxconn", "rise", "fall" -> {
                    if (next == null) {
                        problems.error(line, "server option '" + opt + "' expects a number");
                        return false;
                    }
                    int max = opt.equals("weight") ? 256 : Integer.MAX_VALUE;
                    int min = opt.equals("rise") || opt.equals("fall") ? 1 : 0;
                    OptionalInt v = args.integer(next, "'" + opt + "' value", min, max);
                    if (v.isEmpty()) {
                        ok = false;
                    } else if (opt.equals("weight")) {
                        b.weight(v.getAsInt());
                    } else if (opt.equals("maxconn")) {
                        b.maxconn(v.getAsInt());
                    } else if (opt.equals("rise")) {
                        b.rise(v.getAsInt());
                    } else {
                        b.fall(v.getAsInt());
                    }
                    i++;
                }
                case "inter", "fastinter", "downinter" -> {
                    if (next == null) {
                        problems.error(line, "server option '" + opt + "' expects a time");
                        return false;
                    }
                    Duration t = args.time(next);
                    if (t != null && t.isZero()) {
                        // HAProxy refuses it too: a zero interval would check in a busy loop.
                        problems.error(line, "server option '" + opt + "' must be greater than 0");
                        t = null;
                    }
                    if (t == null) {
                        ok = false;
                    } else if (opt.equals("inter")) {
                        b.inter(t);
                    } else if (opt.equals("fastinter")) {
                        b.fastinter(t);
                    } else {
                        b.downinter(t);
                    }
                    i++;
                }
                case "port" -> {
                    if (next == null) {
                        problems.error(line, "server option 'port' expects a port number");
                        return false;
                    }
                    OptionalInt p = args.integer(next, "check port", 1, 65535);
                    p.ifPresent(b::checkPort);
                    ok &= p.isPresent();
                    i++;
                }
                case "resolvers" -> {
                    if (next == null) {
                        problems.error(line,
                                "server option 'resolvers' expects the name of a resolvers section");
                        return false;
                    }
                    if (!dns.hasSection(next)) {
                        problems.error(line, "no resolvers section named '" + next + "'");
                        return false;
                    }
                    i++;
                }
                case "init-addr", "resolve-prefer", "resolve-opts" -> {
                    // lb never refuses to start over a name it cannot resolve yet (HAProxy's
                    // 'init-addr none'): the server joins once DNS answers.
                    if (next == null) {
                        problems.error(line, "server option '" + opt + "' expects an argument");
                        return false;
                    }
                    i++;
                }
                case "addr" -> {
                    if (next == null) {
                        problems.error(line, "server option 'addr' expects an address");
                        return false;
                    }
                    Optional<InetAddress> a = addresses.host(next, line);
                    a.ifPresent(b::checkAddr);
                    ok &= a.isPresent();
                    i++;
                }
                default -> {
                    if (NOT_YET.containsKey(opt)) {
                        problems.error(line, NOT_YET.get(opt));
                        return false;
                    }
                    if (IGNORED_FLAGS.contains(opt)) {
                        problems.warn(line, "server option '" + opt + "' is ignored by lb");
                    } else if (IGNORED_WITH_ARGUMENT.contains(opt)) {
                        if (next == null) {
                            problems.error(line, "server option '" + opt + "' expects an argument");
                            return false;
                        }
                        problems.warn(line, "server option '" + opt + "' is ignored by lb");
                        i++;
                    } else {
                        problems.error(line, "server option '" + opt + "' is not implemented yet");
                        return false;
                    }
                }
            }
        }
        return ok;
    }
}
