package dev.lb.admin.stats;

import dev.lb.admin.AdminStatus;
import dev.lb.admin.StatsPage;
import dev.lb.admin.StatsView;
import dev.lb.core.table.TableRef;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The stats of the live table: HAProxy CSV, Prometheus text and the HTML page, all read from
 * the counters of the table current at the moment of the call (the Prometheus rows by
 * {@link TableMetrics}, at each scrape). Create one per process and share it between the admin
 * server and the runtime API ({@code show stat}).
 */
public final class LiveStats implements StatsView, AutoCloseable {

    private final TableRef tables;
    private final PrometheusMeterRegistry registry;
    private final TableMetrics rows;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final String version;

    /** Stats of {@code tables} with a registry of their own, JVM and process meters included. */
    public LiveStats(TableRef tables) {
        this(tables, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public LiveStats(TableRef tables, PrometheusMeterRegistry registry) {
        this.tables = Objects.requireNonNull(tables);
        this.registry = Objects.requireNonNull(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        this.rows = new TableMetrics(tables);
        registry.getPrometheusRegistry().register(rows);
        String v = LiveStats.class.getPackage().getImplementationVersion();
        this.version = v != null ? v : "dev";
    }

    @Override
    public String csv() {
        return CsvStats.render(tables.get());
    }

    @Override
    public String prometheus() {
        return registry.scrape();
    }

    @Override
    public void prometheus(OutputStream out) throws IOException {
        registry.scrape(out);
    }

    @Override
    public String html(StatsPage page, AdminStatus status) {
        return HtmlStats.render(tables.get(), page, status, version);
    }

    /** The registry behind {@link #prometheus()}, for other parts that want to add meters. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        gc.close();
        registry.getPrometheusRegistry().unregister(rows);
        registry.close();
    }
}
