package dev.lb.core.config;

import java.util.Set;

/**
 * {@code option NAME} and {@code no option NAME} (configuration manual, 4.2 "option ...").
 * Options are inherited from {@code defaults}; {@code no option} turns an inherited one off.
 */
final class OptionDirective {

    /** Options that only tune logging or sockets of the HAProxy process. */
    private static final Set<String> PROCESS_ONLY = Set.of("dontlognull", "httplog", "tcplog",
            "log-health-checks", "log-separate-errors", "logasap", "dontlog-normal", "contstats",
            "socket-stats", "tcpka", "clitcpka", "srvtcpka", "splice-auto", "splice-request", "splice-response",
            "http-use-htx", "nolinger", "http-pretend-keepalive", "independent-streams", "http-no-delay",
            "http-buffer-request", "http-ignore-probes", "tcp-smart-accept", "tcp-smart-connect",
            "transparent", "httpslog");

    /** Options HAProxy has no {@code no} form for (cfgparse-listen.c, "negation/default"). */
    private static final Set<String> NOT_NEGATABLE = Set.of("forwardfor", "httpchk", "httplog", "tcplog");

    private OptionDirective() {
    }

    /** @param line the line without a leading {@code no} */
    static void apply(ProxyDraft d, ConfigLine line, boolean negated) {
        String name = new Arguments(line, d.problems).word(1, "an option name");
        if (name == null) {
            return;
        }
        boolean on = !negated;
        if (negated && NOT_NEGATABLE.contains(name)) {
            // HAProxy 2.6 refuses these too: they take arguments, so "no" has no single meaning.
            d.problems.error(line, "'no option " + name + "' is not supported (HAProxy refuses it too)");
            return;
        }
        switch (name) {
            case "forwardfor" -> {
                if (line.size() > 2 && on) {
                    d.problems.error(line, "'option forwardfor " + String.join(" ", line.from(2))
                            + "' is not implemented yet (lb adds X-Forwarded-For for every client)");
                    return;
                }
                d.settings.forwardFor = on;
            }
            case "http-server-close" -> d.settings.httpServerClose = on;
            // Keep-alive on both sides is what lb does when http-server-close is off.
            case "http-keep-alive" -> {
                if (on) {
                    d.settings.httpServerClose = false;
                }
            }
            case "httpclose" -> {
                d.problems.warn(line, "'option httpclose' is served as 'option http-server-close': lb closes "
                        + "server connections after each response but keeps client connections alive");
                d.settings.httpServerClose = on;
            }
            case "redispatch" -> {
                if (line.size() > 2 && on) {
                    d.problems.error(line, "'option redispatch <interval>' is not implemented yet");
                    return;
                }
                d.settings.redispatch = on;
            }
            case "httpchk" -> HttpCheckDirective.option(d, line);
            default -> {
                if (PROCESS_ONLY.contains(name) || name.startsWith("log-")) {
                    d.problems.warn(line, "'option " + name + "' tunes HAProxy's logging or sockets; lb "
                            + "ignores it");
                } else {
                    d.problems.error(line, "'option " + name + "' is not implemented yet");
                }
            }
        }
    }
}
