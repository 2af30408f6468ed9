package dev.lb.admin;

import java.time.Duration;

/**
 * One place the stats page is served: {@code lb.admin.bind} at {@code /}, or a haproxy.cfg
 * section with {@code stats enable} at its {@code stats uri}.
 *
 * @param uri the page's path prefix ({@code stats uri}, {@code /} by default)
 * @param refresh how often the page reloads itself ({@code stats refresh}); zero for never
 * @param hideVersion {@code stats hide-version}
 */
public record StatsPage(String uri, Duration refresh, boolean hideVersion) {

    public static final StatsPage DEFAULT = new StatsPage("/", Duration.ZERO, false);
}
