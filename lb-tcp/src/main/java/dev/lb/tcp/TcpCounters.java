package dev.lb.tcp;

import dev.lb.core.stats.ProxyCounters;

/**
 * The counters one relayed connection adds to: its frontend's, and once connected its
 * backend's and server's. Bytes from the client count as "in" on all three, bytes to the
 * client as "out", as in HAProxy's stats. Confined to the connection's event loop.
 */
final class TcpCounters {

    private final ProxyCounters frontend;
    private ProxyCounters backend;
    private ProxyCounters server;

    TcpCounters(ProxyCounters frontend) {
        this.frontend = frontend;
    }

    /** The connection to the server is up: from now on its bytes count on these two as well. */
    void connected(ProxyCounters backendCounters, ProxyCounters serverCounters) {
        this.backend = backendCounters;
        this.server = serverCounters;
    }

    void fromClient(long n) {
        frontend.bytesIn(n);
        if (backend != null) {
            backend.bytesIn(n);
            server.bytesIn(n);
        }
    }

    void toClient(long n) {
        frontend.bytesOut(n);
        if (backend != null) {
            backend.bytesOut(n);
            server.bytesOut(n);
        }
    }
}
