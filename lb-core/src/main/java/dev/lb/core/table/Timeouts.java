package dev.lb.core.table;

import java.time.Duration;

/**
 * The {@code timeout} settings that apply to a frontend or backend after {@code defaults}
 * inheritance. A zero duration means "no timeout", as in HAProxy, except for {@code check},
 * where zero means unset: each server's {@code inter} then bounds its checks (configuration
 * manual, 4.2 "timeout check").
 */
public record Timeouts(
        Duration connect,
        Duration client,
        Duration server,
        Duration httpRequest,
        Duration httpKeepAlive,
        Duration queue,
        Duration tunnel,
        Duration check) {

    /**
     * What lb uses where a configuration sets nothing. HAProxy warns and waits forever; lb
     * picks finite values so that a forgotten timeout cannot pile up connections.
     */
    public static final Timeouts DEFAULTS = new Timeouts(
            Duration.ofSeconds(5), Duration.ofSeconds(50), Duration.ofSeconds(50),
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(5),
            Duration.ofHours(1), Duration.ZERO);
}
