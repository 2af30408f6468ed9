package dev.lb.discovery.consul;

import com.ecwid.consul.transport.TransportException;
import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.ConsulRawClient;
import com.ecwid.consul.v1.OperationException;
import com.ecwid.consul.v1.QueryParams;
import com.ecwid.consul.v1.Response;
import com.ecwid.consul.v1.catalog.CatalogServicesRequest;
import com.ecwid.consul.v1.health.HealthServicesRequest;
import com.ecwid.consul.v1.health.model.HealthService;
import com.ecwid.consul.v1.kv.model.GetValue;
import dev.lb.discovery.SourceState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;

/**
 * The Consul source: watches the catalog's service list, the passing instances of each selected
 * service ({@code /v1/health/service/<svc>?passing}) and the KV keys under {@value #KV_PREFIX},
 * each with its own blocking query, and hands each changed whole content to {@code onChange} as a
 * {@link ConsulSnapshot}, from one thread.
 *
 * <p>Why one blocking query per service: it is what consul-template does, each service's query
 * wakes only when that service changes (Consul keeps an index per service), and the cost of a
 * change is one request. The alternatives cost more per change on a large catalog: a watch on
 * {@code /v1/health/state/any} does not see registrations without checks (registrator's
 * default), and a catalog index change does not say which service changed, so every service would
 * have to be read again. The price is one parked HTTP connection and one mostly idle thread per
 * selected service; Consul's {@code limits.http_max_conns_per_client} (200 by default) bounds how
 * many services one lb can watch from one agent.
 *
 * <p>Every connection attempt (a session) has its own HTTP client and starts with plain reads of
 * everything; the first snapshot of a session is published only once the catalog, every selected
 * service and the KV have been read, so an outage never publishes a partial or empty table and a
 * restarted Consul (with a lower index) is simply read again. Any failed query ends the session
 * (closing its client aborts the other parked queries); the next one starts after a backoff of
 * 100 ms doubling to 5 s, with jitter. Answers are coalesced: a snapshot is built once the answers
 * have settled for {@value #SETTLE_MILLIS} ms (at most {@value #MAX_SETTLE_MILLIS} ms after the
 * first), and handed on only when its services, instances, tags or keys differ from the last one.
 *
 * <p>State below the volatile fields is confined to the source's loop thread; the watches run on
 * threads of their own and post their answers to it.
 */
public final class ConsulSource implements AutoCloseable {

    /** The KV folder the seed templates read tuning keys from. */
    public static final String KV_PREFIX = "service/haproxy/";
    private static final System.Logger LOG = System.getLogger("lb.consul");
    static final long FIRST_RETRY_MILLIS = 100;
    static final long MAX_RETRY_MILLIS = 5_000;
    static final long SETTLE_MILLIS = 20;
    static final long MAX_SETTLE_MILLIS = 200;
    /**
     * The {@code wait} of every blocking query. Shorter than Consul's 5 minute default so that a
     * silently vanished agent (no reset, no FIN) is noticed by the read timeout within about a
     * minute and a half; one request per service per minute is cheap.
     */
    static final long WAIT_SECONDS = 60;
    /** Above wait + Consul's jitter (wait/16), with a margin for a slow answer. */
    private static final int READ_TIMEOUT_MILLIS = (int) (WAIT_SECONDS * 1000 * 17 / 16 + 15_000);
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ConsulAddress address;
    private final Optional<String> tag;
    private final Consumer<ConsulSnapshot> onChange;
    private final String name;
    private final ScheduledThreadPoolExecutor loop;
    private final ExecutorService watchThreads;
    private volatile Thread loopThread;

    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile ConsulSnapshot snapshot;
    private volatile SourceState state;
    private final AtomicInteger sessions = new AtomicInteger();

    // Confined to the loop thread.
    private long session;
    private CloseableHttpClient http;
    private ConsulClient client;
    private final List<BlockingWatch<?>> watches = new ArrayList<>();
    /** The selected services and their catalog tags, null before this session's first catalog answer. */
    private Map<String, List<String>> catalog;
    private long catalogIndex;
    private final Map<String, BlockingWatch<List<HealthService>>> serviceWatches = new HashMap<>();
    /** Passing instances of the selected services read in this session, and their indexes. */
    private final Map<String, List<ConsulSnapshot.Instance>> instances = new HashMap<>();
    private final Map<String, Long> serviceIndexes = new HashMap<>();
    /** The keys under {@link #KV_PREFIX}, null before this session's first KV answer. */
    private TreeMap<String, String> kv;
    private long kvIndex;
    private boolean sessionComplete;
    private int failures;
    private ScheduledFuture<?> flush;
    private long firstPendingNanos;
    private String loggedError;

    /**
     * A source for the Consul HTTP API at {@code address} ({@link ConsulAddress#parse} syntax) that
     * will select the services carrying {@code tag} (every service but {@code consul} when empty);
     * nothing happens until {@link #start()}.
     *
     * @throws IllegalArgumentException when the address is not valid
     */
    public ConsulSource(String address, Optional<String> tag, Consumer<ConsulSnapshot> onChange) {
        this.address = ConsulAddress.parse(address);
        this.tag = tag.filter(t -> !t.isBlank());
        this.onChange = onChange;
        this.name = "consul " + this.address + this.tag.map(t -> " tag " + t).orElse("");
        this.state = new SourceState(name, false, 0, null, null);
        int n = THREADS.incrementAndGet();
        this.loop = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "lb-consul-" + n);
            t.setDaemon(true);
            loopThread = t;
            return t;
        });
        // close() must not wait for a pending reconnect or flush.
        loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        loop.setRemoveOnCancelPolicy(true);
        AtomicInteger watchNumber = new AtomicInteger();
        this.watchThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lb-consul-" + n + "-watch-" + watchNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Returns at once; connects in the background and keeps retrying with backoff. */
    public void start() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (started.compareAndSet(false, true)) {
            post(this::connect);
        }
    }

    /** For the admin page and the log. */
    public SourceState state() {
        return state;
    }

    /** The latest snapshot handed on, or null before the first complete read. */
    public ConsulSnapshot snapshot() {
        return snapshot;
    }

    /** How many sessions (full re-reads) were started; tests check that a restart re-reads. */
    int sessions() {
        return sessions.get();
    }

    /** Stops every watch (aborting parked queries) and ends the source's threads (a few seconds at most). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean onLoop = Thread.currentThread() == loopThread; // e.g. from onChange
        if (onLoop) {
            endSession();
        } else {
            post(this::endSession);
        }
        loop.shutdown();
        watchThreads.shutdown();
        if (onLoop) {
            watchThreads.shutdownNow(); // ends the rate-limit pauses; the closed client ended the reads
            return;
        }
        try {
            if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
            watchThreads.shutdownNow(); // ends the rate-limit pauses; the closed client ended the reads
            watchThreads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            loop.shutdownNow();
            watchThreads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void post(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException closing) {
            // the source was closed: nothing left to do
        }
    }

    // ---- on the loop thread ----

    private void connect() {
        if (closed) {
            return;
        }
        endSession();
        sessions.incrementAndGet();
        long s = session;
        http = newHttpClient();
        String host = (address.https() ? "https://" : "http://") + address.host();
        client = new ConsulClient(new ConsulRawClient(host, address.port(), http));
        ConsulClient c = client;
        watch(new BlockingWatch<>("catalog/services",
                (index, wait) -> c.getCatalogServices(CatalogServicesRequest.newBuilder()
                        .setQueryParams(params(index, wait)).build()),
                WAIT_SECONDS, listener(s, (w, services, index) -> catalogAnswered(services, index))));
        watch(new BlockingWatch<>("kv/" + KV_PREFIX,
                (index, wait) -> c.getKVValues(KV_PREFIX, params(index, wait)),
                WAIT_SECONDS, listener(s, (w, values, index) -> kvAnswered(values, index))));
    }

    private static CloseableHttpClient newHttpClient() {
        PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager();
        // One connection per parked query: as many as there are watches.
        connections.setMaxTotal(10_000);
        connections.setDefaultMaxPerRoute(10_000);
        RequestConfig timeouts = RequestConfig.custom()
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setConnectionRequestTimeout(CONNECT_TIMEOUT_MILLIS)
                .setSocketTimeout(READ_TIMEOUT_MILLIS)
                .build();
        return HttpClientBuilder.create()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(timeouts)
                .disableAutomaticRetries() // our own backoff decides when to ask again
                .useSystemProperties() // proxy and TLS trust settings, as consul-api's default client
                .build();
    }

    private static QueryParams params(long index, long waitSeconds) {
        return index <= 0 ? QueryParams.DEFAULT : new QueryParams(waitSeconds, index);
    }

    private <T> void watch(BlockingWatch<T> w) {
        watches.add(w);
        try {
            watchThreads.execute(w);
        } catch (RejectedExecutionException closing) {
            w.stop();
        }
    }

    /** Relays a watch's answers and errors to the loop thread, except those of ended sessions or watches. */
    private <T> BlockingWatch.Listener<T> listener(long s, Answer<T> answer) {
        return new BlockingWatch.Listener<>() {
            @Override
            public void answered(BlockingWatch<T> w, T value, long index) {
                post(() -> {
                    if (s == session && !closed && !w.stopped()) {
                        answer.accept(w, value, index);
                    }
                });
            }

            @Override
            public void failed(BlockingWatch<T> w, Exception error) {
                post(() -> ConsulSource.this.failed(s, w.what(), error));
            }
        };
    }

    private interface Answer<T> {
        void accept(BlockingWatch<T> watch, T value, long index);
    }

    private void catalogAnswered(Map<String, List<String>> services, long index) {
        Map<String, List<String>> selected = new TreeMap<>();
        if (services != null) {
            services.forEach((svc, tags) -> {
                List<String> t = tags == null ? List.of() : tags;
                if (!svc.equals("consul") && (tag.isEmpty() || t.contains(tag.get()))) {
                    selected.put(svc, t);
                }
            });
        }
        catalog = selected;
        catalogIndex = index;
        long s = session;
        ConsulClient c = client;
        for (String svc : selected.keySet()) {
            if (!serviceWatches.containsKey(svc)) {
                BlockingWatch<List<HealthService>> w = new BlockingWatch<>("health/service/" + svc,
                        (i, wait) -> c.getHealthServices(svc, HealthServicesRequest.newBuilder()
                                .setPassing(true).setTag(tag.orElse(null)).setQueryParams(params(i, wait))
                                .build()),
                        WAIT_SECONDS, listener(s, (watch, list, i) -> serviceAnswered(svc, watch, list, i)));
                serviceWatches.put(svc, w);
                watch(w);
            }
        }
        serviceWatches.entrySet().removeIf(e -> {
            if (selected.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().stop(); // its parked query returns when Consul bumps the service's index
            watches.remove(e.getValue());
            instances.remove(e.getKey());
            serviceIndexes.remove(e.getKey());
            return true;
        });
        changed();
    }

    private void serviceAnswered(String svc, BlockingWatch<?> w, List<HealthService> entries, long index) {
        if (serviceWatches.get(svc) != w) {
            return;
        }
        List<ConsulSnapshot.Instance> passing = new ArrayList<>();
        for (HealthService h : entries == null ? List.<HealthService>of() : entries) {
            HealthService.Service service = h.getService();
            HealthService.Node node = h.getNode();
            if (service == null || node == null) {
                continue;
            }
            String addr = service.getAddress();
            if (addr == null || addr.isEmpty()) {
                addr = node.getAddress(); // Consul's rule: an empty ServiceAddress means the node's
            }
            passing.add(new ConsulSnapshot.Instance(service.getId(), node.getNode(), addr,
                    service.getPort() == null ? 0 : service.getPort(),
                    service.getTags() == null ? List.of() : service.getTags()));
        }
        passing.sort(Comparator.comparing(ConsulSnapshot.Instance::node)
                .thenComparing(ConsulSnapshot.Instance::id));
        instances.put(svc, List.copyOf(passing));
        serviceIndexes.put(svc, index);
        changed();
    }

    private void kvAnswered(List<GetValue> values, long index) {
        TreeMap<String, String> keys = new TreeMap<>();
        for (GetValue v : values == null ? List.<GetValue>of() : values) { // null: 404, no keys
            String key = v.getKey();
            if (key == null || !key.startsWith(KV_PREFIX) || key.endsWith("/")) {
                continue; // folders ("service/haproxy/timeouts/") carry no value
            }
            String value = v.getValue() == null ? "" : v.getDecodedValue(StandardCharsets.UTF_8);
            keys.put(key.substring(KV_PREFIX.length()), value);
        }
        kv = keys;
        kvIndex = index;
        changed();
    }

    /** Schedules a flush once answers have settled for a moment (but not later than the cap). */
    private void changed() {
        long now = System.nanoTime();
        if (flush == null) {
            firstPendingNanos = now;
        } else {
            flush.cancel(false);
        }
        long capLeft = MAX_SETTLE_MILLIS - (now - firstPendingNanos) / 1_000_000;
        try {
            flush = loop.schedule(this::flush, Math.max(0, Math.min(SETTLE_MILLIS, capLeft)),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            flush = null;
        }
    }

    private void flush() {
        flush = null;
        if (closed || catalog == null || kv == null || !instances.keySet().containsAll(catalog.keySet())) {
            return; // the session's first read is not complete yet: keep the last snapshot
        }
        if (!sessionComplete) {
            sessionComplete = true;
            failures = 0;
            if (loggedError != null) {
                LOG.log(System.Logger.Level.INFO, "{0}: connected again", name);
                loggedError = null;
            }
        }
        TreeMap<String, ConsulSnapshot.Service> services = new TreeMap<>();
        long index = Math.max(catalogIndex, kvIndex);
        for (Map.Entry<String, List<String>> e : catalog.entrySet()) {
            String svc = e.getKey();
            services.put(svc, new ConsulSnapshot.Service(svc, e.getValue(), instances.get(svc)));
            index = Math.max(index, serviceIndexes.getOrDefault(svc, 0L));
        }
        ConsulSnapshot last = snapshot;
        if (last != null && last.services().equals(services) && last.kv().equals(kv)) {
            state = new SourceState(name, true, last.index(), null, state.lastChange());
            return;
        }
        ConsulSnapshot next = new ConsulSnapshot(index, services, kv);
        snapshot = next;
        state = new SourceState(name, true, index, null, Instant.now());
        try {
            onChange.accept(next);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, name + ": the consumer of a snapshot failed", e);
        }
    }

    private void failed(long s, String what, Exception error) {
        if (s != session || closed) {
            return;
        }
        endSession();
        failures++;
        String message = what + ": " + describe(error);
        long delay = backoff(failures);
        ConsulSnapshot last = snapshot;
        state = new SourceState(name, false, last == null ? 0 : last.index(), message, state.lastChange());
        // An outage logs its first error and each new one, not every retry.
        System.Logger.Level level = message.equals(loggedError) ? System.Logger.Level.DEBUG
                : System.Logger.Level.WARNING;
        loggedError = message;
        LOG.log(level, "{0}: {1}; retrying in {2} ms", name, message, delay);
        try {
            loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closed meanwhile
        }
    }

    /** Stops the session's watches and closes its HTTP client, which aborts their parked queries. */
    private void endSession() {
        session++;
        for (BlockingWatch<?> w : watches) {
            w.stop();
        }
        watches.clear();
        serviceWatches.clear();
        instances.clear();
        serviceIndexes.clear();
        catalog = null;
        kv = null;
        sessionComplete = false;
        if (flush != null) {
            flush.cancel(false);
            flush = null;
        }
        client = null;
        if (http != null) {
            try {
                http.close();
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the Consul HTTP client", e);
            }
            http = null;
        }
    }

    /** First retry after about 100 ms, doubling to 5 s, each delay drawn from [d/2, d]. */
    static long backoff(int failures) {
        long d = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(failures - 1, 20));
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }

    private static String describe(Exception e) {
        if (e instanceof OperationException o) {
            String content = o.getStatusContent() == null ? "" : o.getStatusContent().strip();
            return "HTTP " + o.getStatusCode() + (content.isEmpty() ? "" : ": " + content);
        }
        Throwable t = e instanceof TransportException && e.getCause() != null ? e.getCause() : e;
        StringBuilder b = new StringBuilder(String.valueOf(t.getMessage() == null ? t : t.getMessage()));
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !b.toString().contains(c.getMessage())) {
                b.append(": ").append(c.getMessage());
            }
        }
        return b.toString();
    }
}
