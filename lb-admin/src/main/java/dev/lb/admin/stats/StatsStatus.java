package dev.lb.admin.stats;

import dev.lb.core.table.AdminState;
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

    static final String DRAIN = "DRAIN";

    /**
     * A server's status, in HAProxy's precedence: maintenance (the runtime API, or
     * {@code disabled} in the file), then a failed health check, then draining (admin state
     * DRAIN, or a run-time weight of 0), then "no check" or UP.
     */
    static String of(Server s) {
        if (s.adminState() == AdminState.MAINT) {
            return MAINT;
        }
        if (s.check() && s.state().checkDown()) {
            return DOWN;
        }
        if (s.adminState() == AdminState.DRAIN || s.effectiveWeight() == 0 && s.weight() != 0) {
            return DRAIN;
        }
        return s.check() ? UP : NO_CHECK;
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

    /**
     * A backend row's server summary, as HAProxy's: the active and backup servers that can take
     * traffic, the summed weight of those active ones, and the UP-to-DOWN transitions of all.
     */
    record BackendSummary(int act, int bck, int weight, long downTransitions) {

        static BackendSummary of(Backend b) {
            int act = 0;
            int bck = 0;
            int weight = 0;
            long down = 0;
            for (Server s : b.servers()) {
                if (serving(s)) {
                    if (s.backup()) {
                        bck++;
                    } else {
                        act++;
                        weight += s.effectiveWeight();
                    }
                }
                down += s.counters().downTransitions();
            }
            return new BackendSummary(act, bck, weight, down);
        }
    }
}
