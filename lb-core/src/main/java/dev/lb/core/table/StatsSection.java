package dev.lb.core.table;

import java.time.Duration;
import java.util.List;

/**
 * A haproxy.cfg section that serves the stats page ({@code stats enable}, {@code stats uri},
 * such as the seeds' {@code listen stats}): the admin plane serves it on its binds.
 *
 * @param name the section's name
 * @param binds where to serve it
 * @param uri {@code stats uri}, HAProxy's default {@code /haproxy?stats} when not given
 * @param users {@code stats auth} credentials as {@code user:password}; empty for no authentication
 * @param realm {@code stats realm}, {@code HAProxy Statistics} by default
 * @param refresh {@code stats refresh}; zero for none
 * @param hideVersion {@code stats hide-version}
 * @param location {@code file:line} of the section header
 */
public record StatsSection(String name, List<Bind> binds, String uri, List<String> users, String realm,
        Duration refresh, boolean hideVersion, String location) {

    /** HAProxy's {@code stats uri} default (STATS_DEFAULT_URI). */
    public static final String DEFAULT_URI = "/haproxy?stats";
    /** HAProxy's {@code stats realm} default (STATS_DEFAULT_REALM). */
    public static final String DEFAULT_REALM = "HAProxy Statistics";

    public StatsSection {
        binds = List.copyOf(binds);
        users = List.copyOf(users);
    }

    /** Canonical text for dumps; passwords are not shown. */
    public String describe() {
        StringBuilder sb = new StringBuilder("stats ").append(name).append('\n');
        for (Bind b : binds) {
            sb.append("  bind ").append(b.describe()).append('\n');
        }
        sb.append("  uri ").append(uri).append('\n');
        if (!users.isEmpty()) {
            sb.append("  auth");
            for (String u : users) {
                sb.append(' ').append(u, 0, Math.max(0, u.indexOf(':'))).append(":***");
            }
            sb.append(" realm \"").append(realm).append("\"\n");
        }
        if (!refresh.isZero()) {
            sb.append("  refresh ").append(refresh.toMillis()).append("ms\n");
        }
        if (hideVersion) {
            sb.append("  hide-version\n");
        }
        return sb.toString();
    }
}
