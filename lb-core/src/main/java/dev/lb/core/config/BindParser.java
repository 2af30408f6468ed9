package dev.lb.core.config;

import dev.lb.core.table.Bind;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;

/**
 * {@code bind ADDR[,ADDR...] [options]} (configuration manual, 4.2 "bind" and 5.1 "Bind
 * options"). Options that only tune the socket are accepted with a warning; {@code accept-proxy}
 * is kept on the {@link Bind}; options that change what clients get (TLS) are errors until lb
 * implements them.
 */
final class BindParser {

    /** Options that take no argument and only tune the socket. */
    private static final Set<String> TUNING_FLAGS = Set.of("tfo", "defer-accept", "v4v6", "v6only",
            "transparent", "quic-force-retry");

    /** Options that take one argument and only tune the socket or name it for statistics. */
    private static final Set<String> TUNING_WITH_ARGUMENT = Set.of("name", "id", "process", "thread",
            "interface", "mss", "backlog", "maxconn", "nice", "tcp-ut", "namespace", "level", "mode",
            "user", "group", "uid", "gid", "severity-output");

    /** Options that belong to TLS termination. */
    private static final Set<String> TLS = Set.of("ssl", "crt", "crt-list", "ca-file", "alpn", "npn",
            "ciphers", "ciphersuites", "verify", "ssl-min-ver", "ssl-max-ver", "strict-sni", "no-sslv3",
            "no-tlsv10", "no-tlsv11", "no-tlsv12", "no-tlsv13", "force-tlsv12", "curves", "ecdhe",
            "crl-file", "generate-certificates", "prefer-client-ciphers", "allow-0rtt");

    private BindParser() {
    }

    static void parse(ProxyDraft d, ConfigLine line) {
        String list = new Arguments(line, d.problems).word(1, "an address such as ':80'");
        if (list == null) {
            return;
        }
        if (!options(d, line)) {
            return;
        }
        boolean acceptProxy = line.from(2).contains("accept-proxy");
        for (String addr : list.split(",", -1)) {
            Optional<InetSocketAddress> a = d.addresses.bind(addr.trim(), line);
            a.ifPresent(address -> {
                d.binds.add(new Bind(address, line.location(), acceptProxy));
                d.bindLines.add(line);
            });
        }
    }

    /** Checks the options; false when the bind must not be used. */
    private static boolean options(ProxyDraft d, ConfigLine line) {
        boolean ok = true;
        int i = 2;
        while (i < line.size()) {
            String opt = line.word(i);
            if (TLS.contains(opt)) {
                d.problems.error(line, "TLS termination ('bind ... " + opt + "') is not implemented yet");
                return false;
            }
            if (opt.equals("accept-proxy")) {
                // Decoded by the data plane (PROXY protocol v1 and v2, HAProxy's proxy-protocol.txt).
                i++;
                continue;
            }
            if (opt.equals("accept-netscaler-cip")) {
                d.problems.error(line, "bind option '" + opt + "' (PROXY protocol) is not implemented yet");
                ok = false;
            } else if (TUNING_FLAGS.contains(opt)) {
                d.problems.warn(line, "bind option '" + opt + "' tunes HAProxy's socket; lb ignores it");
            } else if (TUNING_WITH_ARGUMENT.contains(opt)) {
                if (line.word(i + 1) == null) {
                    d.problems.error(line, "bind option '" + opt + "' expects an argument");
                    return false;
                }
                d.problems.warn(line, "bind option '" + opt + "' is ignored by lb");
                i++;
            } else {
                d.problems.error(line, "bind option '" + opt + "' is not implemented yet");
                ok = false;
            }
            i++;
        }
        return ok;
    }
}
