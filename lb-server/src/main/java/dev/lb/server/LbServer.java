package dev.lb.server;

import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.TableRef;
import dev.lb.http.HttpProxy;
import dev.lb.http.Transport;
import dev.lb.http.check.HealthChecker;
import dev.lb.tcp.TcpProxy;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    private final Reloader reloader;
    private final ListenerManager listeners;
    private final HealthChecker checker;
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
        this.reloader = new Reloader(new ConfigFiles(config.files()), tables);
        this.listeners = new ListenerManager(tables, transport, workers, new HttpProxy(tables, transport),
                new TcpProxy(tables, transport), config.drainTimeout(), reloads);
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

    private void startInternal() throws StartupException {
        Reloader.Outcome first = reloader.reload("start");
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
                        () -> reloader.reloadIfChanged("file changed"));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot watch the configuration files (" + e.getMessage()
                        + "); reload with SIGHUP");
            }
        }
        LOG.log(System.Logger.Level.INFO, "lb " + Main.version() + " serving table version "
                + tables.get().version()
                + " on " + transport.name());
    }

    /** The current table holder (read-only use outside the server). */
    public TableRef tables() {
        return tables;
    }

    public RoutingTable table() {
        return tables.get();
    }

    /** The outcome of the latest reload (a start counts), for reporting. */
    public Reloader.Outcome lastReload() {
        return reloader.last();
    }

    /** Re-reads the files now, on the reload thread; waits for the outcome. */
    public Reloader.Outcome reload(String cause) {
        try {
            return reloads.submit(() -> reloader.reload(cause)).get();
        } catch (Exception e) {
            throw new IllegalStateException("reload failed", e);
        }
    }

    /**
     * Stops accepting, lets in-flight exchanges finish for up to {@code drain}, then releases
     * the event loops. Idempotent.
     */
    public void stop(Duration drain) {
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
        reloads.shutdownNow();
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
