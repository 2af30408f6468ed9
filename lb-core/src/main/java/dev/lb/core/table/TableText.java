package dev.lb.core.table;

import java.time.Duration;

/** Formatting shared by the canonical dumps. */
final class TableText {

    private TableText() {
    }

    static String timeouts(Timeouts t) {
        return "connect " + ms(t.connect()) + " client " + ms(t.client()) + " server " + ms(t.server())
                + " http-request " + ms(t.httpRequest()) + " http-keep-alive " + ms(t.httpKeepAlive())
                + " tunnel " + ms(t.tunnel());
    }

    private static String ms(Duration d) {
        return d.toMillis() + "ms";
    }
}
