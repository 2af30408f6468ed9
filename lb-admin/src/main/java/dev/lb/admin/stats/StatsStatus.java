package dev.lb.admin.stats;

import dev.lb.core.table.Backend;
import dev.lb.core.table.Server;

/**
 * The status words of HAProxy's stats ({@code status} column, management guide 9.1): what a
 * server is now, and whether a backend has a server left.
 */
final class StatsStatus {

    static final String UP = "UP";
    static final String DOWN = "DOWN";
    static final String MAINT = "MAINT";
    static final String NO_CHECK = "no check";

    private StatsStatus() {
    }

    /**
     * A server's status. The one place that decides it: admin states from the runtime API
     * (MAINT, DRAIN) are to be added here.
     */
    static String of(Server s) {
        if (s.disabled()) {
            return MAINT;
        }
        if (!s.check()) {
            return NO_CHECK;
        }
        return s.state().checkDown() ? DOWN : UP;
    }

    /** Whether the server can take traffic, as far as its status says. */
    static boolean serving(Server s) {
        String st = of(s);
        return !st.equals(DOWN) && !st.equals(MAINT);
    }

    /** UP while at least one server can take traffic, as HAProxy's backend row. */
    static String of(Backend b) {
        return b.servers().stream().anyMatch(StatsStatus::serving) ? UP : DOWN;
    }
}
