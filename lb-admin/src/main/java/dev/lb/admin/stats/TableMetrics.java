package dev.lb.admin.stats;

import dev.lb.core.stats.ProxyCounters;
import dev.lb.core.stats.ServerCounters;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import dev.lb.core.table.TableRef;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The series of each frontend, backend and server, read from the live table at each scrape and
 * labelled with the names as written in the configuration (SPEC section 8). Nothing is kept per
 * row between scrapes and a publish costs nothing here: with 10,000 services, meters per row
 * were 470,000 micrometer objects (about 250 MB). Registered on the Prometheus registry under
 * micrometer's, so one scrape holds these and micrometer's JVM and process meters. Names, HELP
 * and types are those the per-row micrometer meters had ({@code lb.backend.responses} was
 * exposed as {@code lb_backend_responses_total}); {@code MetricsExpositionTest} holds them to it.
 */
final class TableMetrics implements MultiCollector {

    private static final double NANOS_PER_SECOND = 1e9;
    /** The {@code code} label of the responses series, for {@link ProxyCounters#responses} 1..5 then 0. */
    private static final String[] CODES = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
    private static final int[] CLASSES = {1, 2, 3, 4, 5, 0};

    private final TableRef tables;

    TableMetrics(TableRef tables) {
        this.tables = Objects.requireNonNull(tables);
    }

    /** A row of the table: its labels, the table's object and the counters it reads. */
    private record Row<T>(Labels labels, T source, ProxyCounters counters) {
    }

    @Override
    public MetricSnapshots collect() {
        // One table for the whole scrape, so every series describes the same rows.
        RoutingTable table = tables.get();
        List<Row<Frontend>> frontends = new ArrayList<>();
        for (Frontend f : table.frontends()) {
            frontends.add(new Row<>(Labels.of("frontend", f.name()), f, f.counters()));
        }
        List<Row<Backend>> backends = new ArrayList<>();
        List<Row<Server>> servers = new ArrayList<>();
        for (Backend b : table.backends().values()) {
            backends.add(new Row<>(Labels.of("backend", b.name()), b, b.counters()));
            for (Server s : b.servers()) {
                servers.add(new Row<>(Labels.of("backend", b.name(), "server", s.name()), s, s.counters()));
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        frontendSeries(out, frontends);
        backendSeries(out, backends);
        serverSeries(out, servers);
        return new MetricSnapshots(out);
    }

    private static void frontendSeries(List<MetricSnapshot> out, List<Row<Frontend>> rows) {
        traffic(out, "lb_frontend", rows);
        out.add(counter("lb_frontend_requests_denied", "requests denied by http-request deny", rows,
                r -> r.counters().deniedRequests()));
        out.add(counter("lb_frontend_requests_errors", "malformed or timed-out requests", rows,
                r -> r.counters().requestErrors()));
        out.add(gauge("lb_frontend_requests_rate", "requests over the last second", rows,
                r -> r.counters().requestRate()));
    }

    private static void backendSeries(List<MetricSnapshot> out, List<Row<Backend>> rows) {
        traffic(out, "lb_backend", rows);
        upstream(out, "lb_backend", rows);
        out.add(gauge("lb_backend_up", "1 while at least one server can take traffic", rows,
                r -> StatsStatus.UP.equals(StatsStatus.of(r.source())) ? 1 : 0));
        out.add(gauge("lb_backend_servers_serving", "servers that can take traffic", rows,
                r -> r.source().servers().stream().filter(StatsStatus::serving).count()));
    }

    private static void serverSeries(List<MetricSnapshot> out, List<Row<Server>> rows) {
        traffic(out, "lb_server", rows);
        upstream(out, "lb_server", rows);
        // Status and weight come from the current table's server, not from the counters.
        out.add(gauge("lb_server_up", "1 when UP or not checked, 0 when DOWN or in maintenance", rows,
                r -> StatsStatus.serving(r.source()) ? 1 : 0));
        out.add(gauge("lb_server_weight", "weight in use (configured, or set at run time)", rows,
                r -> r.source().effectiveWeight()));
        out.add(counter("lb_server_check_failures", "failed health checks", rows,
                r -> r.source().counters().failedChecks()));
        out.add(counter("lb_server_check_downs", "transitions from UP to DOWN", rows,
                r -> r.source().counters().downTransitions()));
        out.add(gauge("lb_server_downtime_seconds", "time spent DOWN", rows,
                r -> ((ServerCounters) r.counters()).secondsDown()));
    }

    private static <T> void traffic(List<MetricSnapshot> out, String prefix, List<Row<T>> rows) {
        out.add(gauge(prefix + "_sessions_current", "sessions now", rows, r -> r.counters().currentSessions()));
        out.add(gauge(prefix + "_sessions_max", "most sessions at once", rows,
                r -> r.counters().maxSessions()));
        out.add(counter(prefix + "_sessions", "sessions", rows, r -> r.counters().totalSessions()));
        out.add(gauge(prefix + "_sessions_rate", "sessions over the last second", rows,
                r -> r.counters().sessionRate()));
        out.add(counter(prefix + "_requests", "HTTP requests", rows, r -> r.counters().requests()));
        out.add(counter(prefix + "_received_bytes", "bytes from clients", rows, r -> r.counters().bytesIn()));
        out.add(counter(prefix + "_sent_bytes", "bytes to clients", rows, r -> r.counters().bytesOut()));
        CounterSnapshot.Builder responses = CounterSnapshot.builder().name(prefix + "_responses")
                .help("HTTP responses by status class");
        for (Row<T> r : rows) {
            for (int k = 0; k < CODES.length; k++) {
                responses.dataPoint(new CounterDataPointSnapshot(r.counters().responses(CLASSES[k]),
                        r.labels().add("code", CODES[k]), null, 0L));
            }
        }
        out.add(responses.build());
    }

    private static <T> void upstream(List<MetricSnapshot> out, String prefix, List<Row<T>> rows) {
        out.add(counter(prefix + "_connection_errors", "failed connections to servers", rows,
                r -> r.counters().connectErrors()));
        out.add(counter(prefix + "_response_errors", "bad, missing or late server responses", rows,
                r -> r.counters().responseErrors()));
        out.add(counter(prefix + "_retries", "connection retries", rows, r -> r.counters().retries()));
        out.add(counter(prefix + "_redispatches", "retries sent to another server", rows,
                r -> r.counters().redispatches()));
        out.add(gauge(prefix + "_connect_time_seconds", "recent average time to connect to a server", rows,
                r -> r.counters().connectTime().averageNanos() / NANOS_PER_SECOND));
        out.add(gauge(prefix + "_response_time_seconds",
                "recent average time from request sent to response head", rows,
                r -> r.counters().responseTime().averageNanos() / NANOS_PER_SECOND));
        out.add(gauge(prefix + "_total_time_seconds", "recent average time from request to response end", rows,
                r -> r.counters().totalTime().averageNanos() / NANOS_PER_SECOND));
    }

    /** A counter family; the exposition adds {@code _total} to {@code name}. */
    private static <T> CounterSnapshot counter(String name, String help, List<Row<T>> rows,
            ToDoubleFunction<Row<T>> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (Row<T> r : rows) {
            b.dataPoint(new CounterDataPointSnapshot(value.applyAsDouble(r), r.labels(), null, 0L));
        }
        return b.build();
    }

    private static <T> GaugeSnapshot gauge(String name, String help, List<Row<T>> rows,
            ToDoubleFunction<Row<T>> value) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (Row<T> r : rows) {
            b.dataPoint(new GaugeDataPointSnapshot(value.applyAsDouble(r), r.labels(), null));
        }
        return b.build();
    }
}
