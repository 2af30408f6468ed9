package dev.lb.admin;

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

    /** The HTML stats page for one mount point of it. */
    String html(StatsPage page, AdminStatus status);
}
