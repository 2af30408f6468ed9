package dev.lb.core.config;

import java.util.Map;
import java.util.Set;

/**
 * The {@code global} section (configuration manual, 3). Everything lb accepts there tunes the
 * HAProxy process (daemonizing, logging, limits, threads): lb has its own process settings in
 * {@code lb.conf}, so these are warnings. Environment directives were applied while reading.
 */
final class GlobalSection {

    private static final Set<String> PROCESS_ONLY = Set.of("daemon", "pidfile", "user", "group", "uid", "gid",
            "log", "log-tag", "log-send-hostname", "nbproc", "nbthread", "chroot", "stats", "maxconn",
                    "spread-checks",
            "ca-base", "crt-base", "debug", "quiet", "node", "description", "hard-stop-after", "master-worker",
            "ulimit-n", "maxsslconn", "maxconnrate", "maxsessrate", "maxsslrate", "maxpipes", "maxcomprate",
            "cpu-map", "server-state-file", "server-state-base", "localpeer", "noepoll", "nopoll", "nosplice",
            "noreuseport", "nogetaddrinfo", "busy-polling", "max-spread-checks",
                    "expose-experimental-directives",
            "insecure-fork-wanted", "insecure-setuid-wanted", "h2-workaround-bogus-websocket-clients",
            "grace", "zero-warning", "thread-groups", "numa-cpu-mapping", "set-dumpable", "strict-limits",
            "unix-bind", "external-check", "ssl-server-verify", "ssl-dh-param-file", "ssl-engine",
                    "ssl-mode-async",
            "ssl-load-extra-files", "ssl-load-extra-del-ext", "ssl-skip-self-issued-ca", "issuers-chain-path",
            "log-format", "profiling.tasks", "profiling.memory", "anonkey");

    private static final Set<String> ENVIRONMENT = Set.of("setenv", "presetenv", "unsetenv", "resetenv");

    /** Global directives that change behaviour lb cannot reproduce yet. */
    private static final Map<String, String> NOT_YET = Map.of(
            "lua-load", "Lua scripts ('lua-load') are not implemented yet",
            "lua-load-per-thread", "Lua scripts ('lua-load-per-thread') are not implemented yet",
            "h1-case-adjust", "'h1-case-adjust' is not implemented yet",
            "h1-case-adjust-file", "'h1-case-adjust-file' is not implemented yet",
            "51degrees-data-file", "device detection is not implemented yet");

    private GlobalSection() {
    }

    static void apply(Section section, Problems problems) {
        for (ConfigLine line : section.body()) {
            String kw = line.keyword();
            if (ENVIRONMENT.contains(kw)) {
                continue;
            }
            if (NOT_YET.containsKey(kw)) {
                problems.error(line, NOT_YET.get(kw));
            } else if (PROCESS_ONLY.contains(kw) || kw.startsWith("tune.") || kw.startsWith("ssl-default-")) {
                problems.warn(line, "'" + kw + "' tunes the HAProxy process; lb ignores it (see lb.conf)");
            } else {
                problems.error(line, "unknown keyword '" + kw + "' in 'global' section");
            }
        }
    }
}
