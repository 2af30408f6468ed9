package dev.lb.core.config;

import dev.lb.core.table.Server;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

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
            Map.entry("resolvers", "DNS-resolved servers ('resolvers') are not implemented yet"),
            Map.entry("init-addr", "'init-addr' (run-time DNS resolution) is not implemented yet"),
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

    /** Tuning options taking one argument that lb accepts and does not act on. */
    private static final Set<String> IGNORED_WITH_ARGUMENT = Set.of("id", "slowstart", "observe",
            "on-error", "on-marked-down", "on-marked-up", "error-limit", "weight-ratio", "pool-max-conn",
            "pool-low-conn", "pool-purge-delay", "max-reuse", "tfo", "log-proto", "check-proto",
            "check-sni", "agent-port", "agent-inter", "agent-addr", "agent-send");

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
        Optional<InetSocketAddress> address = d.addresses.server(addr, line);
        List<String> options = new ArrayList<>(d.settings.defaultServer);
        options.addAll(line.from(3));
        Server.Builder b = Server.builder(name, address.orElse(new InetSocketAddress(0)));
        boolean ok = options(b, options, line, d.problems, d.addresses);
        if (ok && address.isPresent()) {
            d.servers.add(b.build());
        }
    }

    static void defaultServer(ProxyDraft d, ConfigLine line) {
        // Checked now so that a bad default-server is reported once, at its own line.
        Server.Builder scratch = Server.builder("default-server", new InetSocketAddress(0));
        if (options(scratch, line.from(1), line, d.problems, d.addresses)) {
            d.settings.defaultServer.addAll(line.from(1));
        }
    }

    /** Applies options in order; false after an error. */
    private static boolean options(Server.Builder b, List<String> options, ConfigLine line, Problems problems,
            AddressParser addresses) {
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
