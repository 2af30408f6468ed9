package dev.lb.core.config;

import dev.lb.core.config.ProxySettings.Timeout;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** {@code timeout NAME VALUE} (configuration manual, 4.2 "timeout ..."). */
final class TimeoutDirective {

    /** Timeouts that only shape how HAProxy closes connections: validated, then ignored. */
    private static final Set<String> IGNORED = Set.of("client-fin", "server-fin", "tarpit");

    /** HAProxy 1.x spellings that old templates still emit (removed in 2.1). */
    private static final Map<String, Timeout> LEGACY = Map.of(
            "contimeout", Timeout.CONNECT, "clitimeout", Timeout.CLIENT, "srvtimeout", Timeout.SERVER);

    private TimeoutDirective() {
    }

    static void apply(ProxyDraft d, ConfigLine line) {
        Arguments args = new Arguments(line, d.problems);
        String name = args.word(1, "a timeout name and a value");
        if (name == null) {
            return;
        }
        Timeout timeout = null;
        for (Timeout t : Timeout.values()) {
            if (t.keyword().equals(name)) {
                timeout = t;
            }
        }
        if (timeout == null && !IGNORED.contains(name)) {
            d.problems.error(line, "unknown timeout '" + name + "' (expected connect, client, server, "
                    + "http-request, http-keep-alive, check, queue, tunnel, client-fin, server-fin or tarpit)");
            return;
        }
        Duration value = args.time(2, "a time value after 'timeout " + name + "'");
        args.noMoreThan(3);
        if (value == null) {
            return;
        }
        if (timeout == null) {
            d.problems.warn(line, "'timeout " + name + "' is ignored by lb");
            return;
        }
        d.settings.timeouts.put(timeout, value);
    }

    /** {@code contimeout}, {@code clitimeout}, {@code srvtimeout}: read as their modern names. */
    static void legacy(ProxyDraft d, ConfigLine line) {
        Timeout timeout = LEGACY.get(line.keyword());
        Arguments args = new Arguments(line, d.problems);
        Duration value = args.time(1, "a time value");
        args.noMoreThan(2);
        if (value != null) {
            d.problems.warn(line, "'" + line.keyword() + "' is read as 'timeout " + timeout.keyword()
                    + "' (HAProxy 2.1+ rejects the old name)");
            d.settings.timeouts.put(timeout, value);
        }
    }
}
