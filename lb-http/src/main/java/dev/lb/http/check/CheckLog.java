package dev.lb.http.check;

import dev.lb.core.table.Backend;
import dev.lb.core.table.CheckResult;
import dev.lb.core.table.Server;

/**
 * State-change messages worded as HAProxy logs them, so that log alerts written for HAProxy
 * keep matching: {@code Server be/s1 is DOWN, reason: Layer4 connection problem, info:
 * "Connection refused", check duration: 0ms. 1 active and 0 backup servers left.}
 */
final class CheckLog {

    private static final System.Logger LOG = System.getLogger("lb.check");

    private CheckLog() {
    }

    static void changed(Backend backend, Server server, CheckResult result) {
        boolean down = server.state().checkDown();
        int active = 0;
        int backup = 0;
        for (Server s : backend.servers()) {
            if (!s.disabled() && !s.down()) {
                if (s.backup()) {
                    backup++;
                } else {
                    active++;
                }
            }
        }
        String msg = "Server " + backend.name() + "/" + server.name() + " is " + (down ? "DOWN" : "UP")
                + ", reason: " + result.describe() + ", check duration: " + result.duration().toMillis()
                + "ms. "
                + active + " active and " + backup + " backup servers " + (down ? "left." : "online.");
        LOG.log(down ? System.Logger.Level.WARNING : System.Logger.Level.INFO, msg);
        if (down && active == 0 && backup == 0) {
            LOG.log(System.Logger.Level.ERROR, "backend " + backend.name() + " has no server available!");
        }
    }
}
