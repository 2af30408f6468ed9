package dev.lb.admin.stats;

import dev.lb.core.stats.ProxyCounters;
import dev.lb.core.stats.ServerCounters;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import dev.lb.core.table.TableRef;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Keeps the registry's meters in step with the live table: each frontend, backend and server
 * has function meters that read its counters, tagged with the names as written in the
 * configuration (SPEC section 8). Meters of proxies and servers a reload removed are removed;
 * those it kept stay (their counters are the same objects). Names follow micrometer's
 * conventions ({@code lb.backend.responses} becomes {@code lb_backend_responses_total}).
 */
final class StatsMeters {

    private static final double NANOS_PER_SECOND = 1e9;

    private final MeterRegistry registry;
    private final TableRef tables;
    /** What is registered now, keyed by "frontend/NAME", "backend/NAME", "server/BACKEND/NAME". */
    private final Map<String, Registered> registered = new HashMap<>();

    /**
     * The counters object a set of meters reads, those meters, and the newest table's object
     * (backend or server) the status gauges read: a reload that keeps the counters may change
     * the weight or the servers, and the gauges follow without being registered again.
     */
    private static final class Registered {
        final Object counters;
        /** The backend of a server; empty otherwise. */
        final String backend;
        final List<Meter> meters = new ArrayList<>();
        volatile Object current;

        Registered(Object counters, Object current, String backend) {
            this.counters = counters;
            this.current = current;
            this.backend = backend;
        }
    }

    StatsMeters(MeterRegistry registry, TableRef tables) {
        this.registry = registry;
        this.tables = tables;
    }

    /**
     * Brings the meters in line with the current table; called after every publish. It reads
     * the table under its lock, so calls racing each other still end on the newest table.
     */
    synchronized void sync() {
        RoutingTable table = tables.get();
        Map<String, Registered> wanted = new HashMap<>();
        for (Frontend f : table.frontends()) {
            wanted.put("frontend/" + f.name(), new Registered(f.counters(), f, ""));
        }
        for (Backend b : table.backends().values()) {
            wanted.put("backend/" + b.name(), new Registered(b.counters(), b, ""));
            for (Server s : b.servers()) {
                wanted.put("server/" + b.name() + "/" + s.name(), new Registered(s.counters(), s, b.name()));
            }
        }
        for (var it = registered.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            Registered w = wanted.get(e.getKey());
            if (w == null || w.counters != e.getValue().counters) {
                // Gone, or a new counters object under the same name: these meters read the old one.
                e.getValue().meters.forEach(registry::remove);
                it.remove();
            }
        }
        wanted.forEach((key, w) -> {
            Registered r = registered.get(key);
            if (r != null) {
                r.current = w.current;
                return;
            }
            registered.put(key, w);
            if (w.current instanceof Frontend f) {
                frontendMeters(w, f);
            } else if (w.current instanceof Backend b) {
                backendMeters(w, b);
            } else if (w.current instanceof Server s) {
                serverMeters(w, w.backend, s);
            }
        });
    }

    private void frontendMeters(Registered r, Frontend f) {
        ProxyCounters c = f.counters();
        Tags tags = Tags.of("frontend", f.name());
        List<Meter> m = r.meters;
        traffic(m, "lb.frontend", tags, c);
        m.add(counter("lb.frontend.requests.denied", tags, c, ProxyCounters::deniedRequests,
                "requests denied by http-request deny"));
        m.add(counter("lb.frontend.requests.errors", tags, c, ProxyCounters::requestErrors,
                "malformed or timed-out requests"));
        m.add(gauge("lb.frontend.requests.rate", tags, c, ProxyCounters::requestRate,
                "requests over the last second"));
    }

    private void backendMeters(Registered r, Backend b) {
        ProxyCounters c = b.counters();
        Tags tags = Tags.of("backend", b.name());
        List<Meter> m = r.meters;
        traffic(m, "lb.backend", tags, c);
        upstream(m, "lb.backend", tags, c);
        m.add(gauge("lb.backend.up", tags, r,
                x -> StatsStatus.UP.equals(StatsStatus.of((Backend) x.current)) ? 1 : 0,
                "1 while at least one server can take traffic"));
        m.add(gauge("lb.backend.servers.serving", tags, r,
                x -> ((Backend) x.current).servers().stream().filter(StatsStatus::serving).count(),
                "servers that can take traffic"));
    }

    private void serverMeters(Registered r, String backend, Server s) {
        ServerCounters c = s.counters();
        Tags tags = Tags.of("backend", backend, "server", s.name());
        List<Meter> m = r.meters;
        traffic(m, "lb.server", tags, c);
        upstream(m, "lb.server", tags, c);
        // Status and weight come from the newest table's server, not from the counters.
        m.add(gauge("lb.server.up", tags, r, x -> StatsStatus.serving((Server) x.current) ? 1 : 0,
                "1 when UP or not checked, 0 when DOWN or in maintenance"));
        m.add(gauge("lb.server.weight", tags, r, x -> ((Server) x.current).effectiveWeight(), "weight in use (configured, or set at run time)"));
        m.add(counter("lb.server.check.failures", tags, c, ServerCounters::failedChecks,
                "failed health checks"));
        m.add(counter("lb.server.check.downs", tags, c, ServerCounters::downTransitions,
                "transitions from UP to DOWN"));
        m.add(Gauge.builder("lb.server.downtime", c, x -> x.secondsDown()).tags(tags).baseUnit("seconds")
                .description("time spent DOWN").strongReference(true).register(registry));
    }

    private void traffic(List<Meter> m, String prefix, Tags tags, ProxyCounters c) {
        m.add(gauge(prefix + ".sessions.current", tags, c, ProxyCounters::currentSessions, "sessions now"));
        m.add(gauge(prefix + ".sessions.max", tags, c, ProxyCounters::maxSessions, "most sessions at once"));
        m.add(counter(prefix + ".sessions", tags, c, ProxyCounters::totalSessions, "sessions"));
        m.add(gauge(prefix + ".sessions.rate", tags, c, ProxyCounters::sessionRate,
                "sessions over the last second"));
        m.add(counter(prefix + ".requests", tags, c, ProxyCounters::requests, "HTTP requests"));
        m.add(bytes(prefix + ".received", tags, c, ProxyCounters::bytesIn, "bytes from clients"));
        m.add(bytes(prefix + ".sent", tags, c, ProxyCounters::bytesOut, "bytes to clients"));
        for (int k = 1; k <= 5; k++) {
            int clazz = k;
            m.add(counter(prefix + ".responses", tags.and("code", k + "xx"), c, x -> x.responses(clazz),
                    "HTTP responses by status class"));
        }
        m.add(counter(prefix + ".responses", tags.and("code", "other"), c, x -> x.responses(0),
                "HTTP responses by status class"));
    }

    private void upstream(List<Meter> m, String prefix, Tags tags, ProxyCounters c) {
        m.add(counter(prefix + ".connection.errors", tags, c, ProxyCounters::connectErrors,
                "failed connections to servers"));
        m.add(counter(prefix + ".response.errors", tags, c, ProxyCounters::responseErrors,
                "bad, missing or late server responses"));
        m.add(counter(prefix + ".retries", tags, c, ProxyCounters::retries, "connection retries"));
        m.add(counter(prefix + ".redispatches", tags, c, ProxyCounters::redispatches,
                "retries sent to another server"));
        m.add(seconds(prefix + ".connect.time", tags, c, x -> x.connectTime().averageNanos(),
                "recent average time to connect to a server"));
        m.add(seconds(prefix + ".response.time", tags, c, x -> x.responseTime().averageNanos(),
                "recent average time from request sent to response head"));
        m.add(seconds(prefix + ".total.time", tags, c, x -> x.totalTime().averageNanos(),
                "recent average time from request to response end"));
    }

    private <T> Meter counter(String name, Tags tags, T obj, ToDoubleFunction<T> f, String description) {
        return FunctionCounter.builder(name, obj, f).tags(tags).description(description).register(registry);
    }

    private <T> Meter bytes(String name, Tags tags, T obj, ToDoubleFunction<T> f, String description) {
        return FunctionCounter.builder(name, obj, f).tags(tags).baseUnit("bytes").description(description)
                .register(registry);
    }

    private <T> Meter gauge(String name, Tags tags, T obj, ToDoubleFunction<T> f, String description) {
        return Gauge.builder(name, obj, f).tags(tags).description(description).strongReference(true)
                .register(registry);
    }

    private <T> Meter seconds(String name, Tags tags, T obj, ToDoubleFunction<T> nanos, String description) {
        return Gauge.builder(name, obj, x -> nanos.applyAsDouble(x) / NANOS_PER_SECOND).tags(tags)
                .baseUnit("seconds").description(description).strongReference(true).register(registry);
    }
}
