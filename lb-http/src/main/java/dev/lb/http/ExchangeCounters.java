package dev.lb.http;

import dev.lb.core.stats.ProxyCounters;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.Server;

/**
 * What one client connection counts into the stats: its session and bytes on the frontend,
 * and for each request the frontend, backend and server rows of HAProxy's stats (management
 * guide 9.1). One per connection, confined to its event loop like the {@link FrontendHandler}
 * that drives it; the counters themselves are shared by all connections, each event loop
 * counting into its own stripe of them.
 * Nothing here allocates per request.
 */
final class ExchangeCounters {

    /** The frontend the connection arrived on; it counts the session and all bytes. */
    private ProxyCounters connection;
    /** The frontend of the request at hand (as routed by the table of that request). */
    private ProxyCounters frontend;
    private ProxyCounters backend;
    private long bytesIn;
    private long bytesOut;
    /** {@link #bytesIn} and {@link #bytesOut} when the current request began. */
    private long markIn;
    private long markOut;
    private long requestStart;
    private long sentAt;

    void connectionOpened(Frontend f) {
        if (f != null) {
            connection = f.counters();
            frontend = connection;
            connection.sessionOpened();
        }
    }

    void connectionClosed() {
        if (connection != null) {
            connection.sessionClosed();
            connection = null;
        }
    }

    void bytesIn(int n) {
        bytesIn += n;
        if (connection != null) {
            connection.bytesIn(n);
        }
    }

    void bytesOut(int n) {
        bytesOut += n;
        if (connection != null) {
            connection.bytesOut(n);
        }
    }

    /** Between requests: bytes from here on belong to the next one, which has no backend yet. */
    void idle() {
        markIn = bytesIn;
        markOut = bytesOut;
        backend = null;
    }

    /**
     * A request header arrived at {@code startNanos}. It counts on the frontend of the
     * connection's previous request (the table is consulted once per request, after checks).
     */
    void request(long startNanos) {
        requestStart = startNanos;
        if (frontend != null) {
            frontend.request(startNanos);
        }
    }

    /** The frontend that serves the request at hand. */
    void frontend(Frontend f) {
        frontend = f.counters();
    }

    /** A malformed request (answered 400, 408 or 431). */
    void badRequest() {
        if (frontend != null) {
            frontend.requestError();
        }
    }

    /** An {@code http-request deny} answered the request. */
    void denied() {
        if (frontend != null) {
            frontend.deniedRequest();
        }
        if (backend != null) {
            backend.deniedRequest();
        }
    }

    /** The request goes to {@code b}. */
    void routed(Backend b) {
        backend = b.counters();
    }

    /**
     * {@code s} was chosen for the request: a session on it and on the backend. The request's
     * arrival time stands for "now" in the rates (same second, no clock read).
     */
    void serverChosen(Server s) {
        s.counters().sessionOpened(requestStart);
        s.counters().request(requestStart);
        backend.sessionOpened(requestStart);
        backend.request(requestStart);
    }

    /** The request moved off {@code s} (a retry elsewhere) or finished with it. */
    void serverLeft(Server s, boolean finished) {
        s.counters().sessionClosed();
        if (backend != null) {
            backend.sessionClosed();
        }
        if (finished) {
            long in = bytesIn - markIn;
            long out = bytesOut - markOut;
            s.counters().bytesIn(in);
            s.counters().bytesOut(out);
            if (backend != null) {
                backend.bytesIn(in);
                backend.bytesOut(out);
            }
        }
    }

    /** A connect attempt to {@code s} failed; {@code retry} when another attempt follows. */
    void connectFailed(Server s, boolean retry) {
        s.counters().connectError();
        backend.connectError();
        if (retry) {
            s.counters().retry();
            backend.retry();
        }
    }

    /** The retry leaves {@code s} for another server. */
    void redispatched(Server s) {
        s.counters().redispatch();
        backend.redispatch();
    }

    void connected(Server s, long connectNanos, long now) {
        s.counters().connectTime(connectNanos, now);
        if (backend != null) {
            backend.connectTime(connectNanos, now);
        }
    }

    /** The request went to the server at {@code nanos}. */
    void sent(long nanos) {
        sentAt = nanos;
    }

    /** The server's response head came at {@code nanos}. */
    void responseHead(Server s, long nanos) {
        long t = nanos - sentAt;
        if (s != null) {
            s.counters().responseTime(t, nanos);
        }
        if (backend != null) {
            backend.responseTime(t, nanos);
        }
    }

    /** A final response with {@code status} goes to the client, from {@code s} or from lb ({@code s} null). */
    void response(int status, Server s) {
        if (frontend != null) {
            frontend.response(status);
        }
        if (backend != null) {
            backend.response(status);
        }
        if (s != null) {
            s.counters().response(status);
        }
    }

    /** The response was sent in full. */
    void finished(Server s, long nanos) {
        long t = nanos - requestStart;
        if (s != null) {
            s.counters().totalTime(t, nanos);
        }
        if (backend != null) {
            backend.totalTime(t, nanos);
        }
    }

    /** The server's answer was malformed, missing or late. */
    void serverFailed(Server s) {
        if (s != null) {
            s.counters().responseError();
        }
        if (backend != null) {
            backend.responseError();
        }
    }

    /** The server closed mid-response. */
    void serverAborted(Server s) {
        serverFailed(s);
        if (s != null) {
            s.counters().serverAbort();
        }
        if (backend != null) {
            backend.serverAbort();
        }
    }

    /** The client went away with a request in progress. */
    void clientAborted(Server s) {
        if (frontend != null) {
            frontend.clientAbort();
        }
        if (backend != null) {
            backend.clientAbort();
        }
        if (s != null) {
            s.counters().clientAbort();
        }
    }
}
