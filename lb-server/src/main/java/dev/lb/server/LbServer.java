package dev.lb.server;

import dev.lb.admin.AdminControl;
import dev.lb.admin.AdminServer;
import dev.lb.admin.AdminStatus;
import dev.lb.admin.StatsView;
import dev.lb.admin.runtime.RuntimeCommands;
import dev.lb.admin.stats.LiveStats;
import dev.lb.admin.runtime.RuntimeServer;
import dev.lb.core.config.ConfigProblem;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.ResolversSpec;
import dev.lb.core.table.TableRef;
import dev.lb.discovery.SourcePipeline;
import dev.lb.discovery.SourceState;
import dev.lb.discovery.consul.ConsulPart;
import dev.lb.discovery.consul.ConsulSource;
import dev.lb.discovery.dns.DnsWatcher;
import dev.lb.discovery.etcd.EtcdPart;
import dev.lb.discovery.etcd.EtcdSource;
import dev.lb.http.HttpProxy;
import dev.lb.http.Transport;
import dev.lb.http.check.HealthChecker;
import dev.lb.tcp.TcpProxy;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One running lb: the current table, the Netty event loops, the listeners that follow the table,
 * and the reloads that feed it. One direction only: files, then reload, then publish, then the
 * listeners and data plane read.
 */
public final class LbServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("lb");

    private final ProcessConfig config;
    private final TableRef tables = new TableRef();
    private final Transport transport = Transport.best();
    private final EventLoopGroup workers;
    private final ScheduledExecutorService reloads;
    private final SourcePipeline pipeline;
    private final DnsWatcher dns;
    private final EtcdPart etcdPart;
    private volatile EtcdSource etcd;
    private final ConsulPart consulPart;
    private volatile ConsulSource consul;
    private final ListenerManager listeners;
    private final HealthChecker checker;
    private final Instant startedAt = Instant.now();
    // The admin plane has its own NIO loop: its work never delays the data plane's loops.
    private final EventLoopGroup adminLoop = new MultiThreadIoEventLoopGroup(1,
            new DefaultThreadFactory("lb-admin", true), NioIoHandler.newFactory());
    private AdminServer admin;
    private LiveStats stats;
    private RuntimeServer runtime;
    private FileWatcher watcher;

    private LbServer(ProcessConfig config) {
        this.config = config;
        // Listeners accept on the worker loops, as HAProxy's threads do: no extra thread, and
        // with one loop no cross-thread hand-off (and wake-up) per accepted connection.
        this.workers = transport.newGroup(config.eventLoops(), "lb-io");
        this.reloads = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lb-reload");
            t.setDaemon(true);
            return t;
        });
        ConfigFiles files = new ConfigFiles(config.files(), !config.discovery());
        // One watcher for every name: etcd services, 'server ... resolvers', server-template.
        this.dns = new DnsWatcher(new ResolversSpec(DnsQuery.DEFAULT, config.dnsServerAddresses(),
                config.dnsHoldValid(), Duration.ofSeconds(1), 3), () -> changed("DNS answer changed"));
        List<SourcePipeline.Part> parts = new ArrayList<>();
        if (config.etcdEndpoints().isEmpty()) {
            this.etcdPart = null;
        } else {
            this.etcdPart = new EtcdPart(config.etcdPrefix(), config.httpBind(), this::etcdState);
            parts.add(etcdPart);
        }
        if (config.consulAddress().isEmpty()) {
            this.consulPart = null;
        } else {
            this.consulPart = new ConsulPart(config.consulAddress().get(), config.httpBind(),
                    config.consulHostSuffix(), this::consulState);
            parts.add(consulPart);
        }
        this.pipeline = new SourcePipeline(tables, files::read, parts, dns, reloads);
        this.listeners = new ListenerManager(tables, transport, workers, new HttpProxy(tables, transport),
                new TcpProxy(tables, transport, config.tcpSplice() || TcpProxy.spliceByDefault()),
                config.drainTimeout(), reloads);
        this.checker = new HealthChecker(transport, workers);
    }

    /**
     * Loads the configuration and binds its listeners.
     *
     * @throws StartupException when the configuration is invalid or a listener cannot be bound
     */
    public static LbServer start(ProcessConfig config) throws StartupException {
        LbServer server = new LbServer(config);
        try {
            server.startInternal();
            return server;
        } catch (StartupException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Whether each source is connected, the table version and whether the latest rebuild was
     * accepted, on {@code /metrics}: what an alert on a stuck source or a bad render reads.
     */
    private void sourceMeters(MeterRegistry registry) {
        List<String> names = new ArrayList<>();
        if (etcdPart != null) {
            names.add("etcd");
        }
        if (consulPart != null) {
            names.add("consul");
        }
        names.add("dns");
        for (String name : names) {
            Gauge.builder("lb.source.connected", () -> pipeline.states().stream()
                    .filter(st -> st.name().startsWith(name)).allMatch(SourceState::connected) ? 1 : 0)
                    .tag("source", name)
                    .description("1 while the discovery source's latest read or watch succeeded")
                    .register(registry);
            Gauge.builder("lb.source.revision", () -> pipeline.states().stream()
                    .filter(st -> st.name().startsWith(name)).mapToLong(SourceState::revision).max().orElse(0))
                    .tag("source", name)
                    .description("etcd revision, Consul index or count of DNS answer changes of the "
                            + "source's latest data")
                    .register(registry);
        }
        Gauge.builder("lb.table.version", () -> tables.get().version())
                .description("version of the live routing table").register(registry);
        Gauge.builder("lb.reload.last.success", () -> {
            SourcePipeline.Outcome o = pipeline.last();
            return o == null || o.errors().isEmpty() ? 1 : 0;
        }).description("1 when the latest rebuild took every input as it is, 0 when one was refused")
                .register(registry);
    }

    private SourceState etcdState() {
        EtcdSource e = etcd;
        return e != null ? e.state()
                : new SourceState("etcd " + config.etcdPrefix() + "/", false, 0, "not started yet", null);
    }

    private SourceState consulState() {
        ConsulSource c = consul;
        return c != null ? c.state()
                : new SourceState("consul " + config.consulAddress().orElse(""), false, 0, "not started yet",
                        null);
    }

    /** A source or DNS said something changed: one coalesced rebuild on the reload thread. */
    private void changed(String cause) {
        if (!reloads.isShutdown()) {
            pipeline.changed(cause);
        }
    }

    private void startInternal() throws StartupException {
        SourcePipeline.Outcome first = pipeline.reload("start");
        if (!first.applied()) {
            throw new StartupException(first.errors().stream().map(p -> p.format()).toList());
        }
        Map<InetSocketAddress, String> errors = listeners.apply(tables.get());
        if (!errors.isEmpty()) {
            throw new StartupException(List.copyOf(errors.values()));
        }
        tables.onPublish(listeners::apply);
        // Registered before the first reconcile so that no publish can fall in between.
        tables.onPublish(checker::reconcile);
        checker.reconcile(tables.get());
        if (!config.files().isEmpty()) {
            try {
                watcher = new FileWatcher(config.files(), reloads,
                        () -> pipeline.reloadIfChanged("file changed"));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot watch the configuration files (" + e.getMessage()
                        + "); reload with SIGHUP");
            }
        }
        if (etcdPart != null) {
            // Started once the files serve: etcd being down delays nothing (SPEC section 9).
            etcd = new EtcdSource(config.etcdUris(), config.etcdPrefix(), snapshot -> {
                etcdPart.update(snapshot.keys());
                changed("etcd revision " + snapshot.revision());
            });
            etcd.start();
        }
        if (consulPart != null) {
            consul = new ConsulSource(config.consulAddress().get(), config.consulTag(), config.consulToken(),
                    snapshot -> {
                        consulPart.update(snapshot);
                        changed("Consul index " + snapshot.index());
                    });
            consul.start();
        }
        stats = new LiveStats(tables);
        sourceMeters(stats.registry());
        startAdmin(stats);
        LOG.log(System.Logger.Level.INFO, "lb " + Main.version() + " serving table version "
                + tables.get().version()
                + " on " + transport.name());
    }

    /**
     * Starts the admin HTTP plane and the runtime API. Unlike a frontend bind, a failure here
     * does not stop lb: traffic keeps flowing and the error is logged (the admin plane is how
     * one looks at lb, not what it is for; a second lb on the same host would otherwise not
     * start at all because of :1936).
     */
    private void startAdmin(StatsView stats) {
        AdminControl control = new Control();
        admin = new AdminServer(tables, stats, control, config.adminBind(), config.adminUsers(), adminLoop);
        try {
            admin.start();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "admin plane not served: " + e.getMessage());
        }
        runtime = new RuntimeServer(new RuntimeCommands(tables, stats, control, Main.version()));
        try {
            runtime.listenUnix(config.adminSocket());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "runtime API socket not served: " + e.getMessage());
        }
        if (config.adminRuntimeBind().isPresent()) {
            try {
                runtime.listenTcp(config.adminRuntimeBind().get());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "runtime API not served on TCP: " + e.getMessage());
            }
        }
    }

    /** The admin HTTP plane (for tests: where it listens). */
    public AdminServer admin() {
        return admin;
    }

    /** What the admin plane may ask of this server. */
    private final class Control implements AdminControl {
        @Override
        public ReloadResult reload(String cause) {
            SourcePipeline.Outcome o = LbServer.this.reload(cause);
            return new ReloadResult(o.applied(), o.version(),
                    o.errors().stream().map(ConfigProblem::format).toList());
        }

        @Override
        public AdminStatus status() {
            SourcePipeline.Outcome o = pipeline.last();
            List<String> errors = o == null ? List.of()
                    : o.errors().stream().map(ConfigProblem::format).toList();
            RoutingTable t = tables.get();
            return new AdminStatus(t.version(), sources(), startedAt, pipeline.lastAt(), errors);
        }
    }

    /**
     * The live table's files, then each discovery source with its state and what it skipped:
     * what the admin page and {@code show info} list as sources.
     */
    private List<String> sources() {
        List<String> out = new ArrayList<>(pipeline.liveFiles());
        for (SourceState st : pipeline.states()) {
            out.add(describe(st));
        }
        for (ConfigProblem p : pipeline.sourceProblems()) {
            out.add("  " + p.format());
        }
        return out;
    }

    private static String describe(SourceState st) {
        StringBuilder sb = new StringBuilder(st.name()).append(": ")
                .append(st.connected() ? "connected" : "not connected");
        if (st.revision() > 0) {
            sb.append(st.name().startsWith("consul") ? ", index " : ", revision ").append(st.revision());
        }
        if (st.lastChange() != null) {
            sb.append(", last change ").append(st.lastChange());
        }
        if (st.lastError() != null) {
            sb.append(", last error: ").append(st.lastError());
        }
        return sb.toString();
    }

    /** The sources as the admin page lists them: files, then each source's state and problems. */
    public List<String> adminSources() {
        return sources();
    }

    /** The names of the PEM bundles stored under etcd's {@code certs/} (not served yet: no TLS). */
    public Set<String> storedCertificates() {
        return etcdPart == null ? Set.of() : etcdPart.certificates().keySet();
    }

    /** The discovery sources' states (etcd, DNS), for tests and reporting. */
    public List<SourceState> sourceStates() {
        return pipeline.states();
    }

    /** The current table holder (read-only use outside the server). */
    public TableRef tables() {
        return tables;
    }

    public RoutingTable table() {
        return tables.get();
    }

    /**
     * The listeners of the live table that could not be bound (port taken, address missing),
     * with the reason. The rest of the table applies regardless; a failed one is tried again
     * at the next reload.
     */
    public Map<InetSocketAddress, String> listenerErrors() {
        return listeners.bindErrors();
    }

    /** Client connections open on the listener bound at {@code address} (for tests and reporting). */
    int connections(InetSocketAddress address) {
        return listeners.connections(address);
    }

    /** The outcome of the latest rebuild (a start counts), for reporting. */
    public SourcePipeline.Outcome lastReload() {
        return pipeline.last();
    }

    /** Re-reads the files now, on the reload thread; waits for the outcome. */
    public SourcePipeline.Outcome reload(String cause) {
        try {
            return reloads.submit(() -> pipeline.reload(cause)).get();
        } catch (Exception e) {
            throw new IllegalStateException("reload failed", e);
        }
    }

    /**
     * Stops accepting, lets in-flight exchanges finish for up to {@code drain}, then releases
     * the event loops. Idempotent.
     */
    public void stop(Duration drain) {
        if (runtime != null) {
            runtime.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (stats != null) {
            stats.close();
        }
        adminLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            if (watcher != null) {
                watcher.close();
            }
        } catch (IOException e) {
            // nothing to do
        }
        try {
            listeners.closeAll().get(drain.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "drain did not complete: " + e);
        }
        if (consul != null) {
            consul.close();
        }
        if (etcd != null) {
            etcd.close();
        }
        reloads.shutdownNow();
        dns.close();
        checker.close();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        stop(config.drainTimeout());
    }

    /** The configuration or the listeners prevented a start. */
    public static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient List<String> problems;

        StartupException(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}
