package dev.lb.admin;

import dev.lb.core.table.AdminState;
import dev.lb.core.table.Server;

/** A server's status in HAProxy's words, as the stats page and {@code /api/routes} show it. */
public final class ServerStatus {

    private ServerStatus() {
    }

    /**
     * {@code MAINT}, {@code DRAIN}, {@code DOWN} (health checks) or {@code UP}. Maintenance wins
     * over the check result, as on HAProxy's stats page.
     */
    public static String of(Server s) {
        AdminState admin = s.adminState();
        if (admin == AdminState.MAINT) {
            return "MAINT";
        }
        if (s.down()) {
            return "DOWN";
        }
        return admin == AdminState.DRAIN ? "DRAIN" : "UP";
    }
}
