package dev.lb.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What the admin plane shows about the live data plane: the renderings of the counters and
 * states of the current table. The HTTP admin server and the runtime API serve these; the
 * stats package implements them.
 */
public interface StatsView {

    /**
     * HAProxy 2.6 CSV statistics: the {@code # pxname,svname,...} header line, then one line
     * per frontend, server and backend, in HAProxy's order.
     */
    String csv();

    /** The Prometheus text exposition (format 0.0.4). */
    String prometheus();

    /**
     * Writes {@link #prometheus()} to {@code out} as UTF-8. With thousands of services the text
     * is tens of megabytes: implementations should write it as it is rendered, not build a
     * string first.
     */
    default void prometheus(OutputStream out) throws IOException {
        out.write(prometheus().getBytes(StandardCharsets.UTF_8));
    }

    /** The HTML stats page for one mount point of it. */
    String html(StatsPage page, AdminStatus status);
}
