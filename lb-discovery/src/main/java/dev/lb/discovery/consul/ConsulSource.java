package dev.lb.discovery.consul;

import com.ecwid.consul.transport.TransportException;
import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.ConsulRawClient;
import com.ecwid.consul.v1.OperationException;
import com.ecwid.consul.v1.QueryParams;
import com.ecwid.consul.v1.Response;
import com.ecwid.consul.v1.catalog.CatalogServicesRequest;
import com.ecwid.consul.v1.health.HealthServicesRequest;
import com.ecwid.consul.v1.health.model.Check;
import com.ecwid.consul.v1.health.model.HealthService;
import com.ecwid.consul.v1.kv.model.GetValue;
import dev.lb.discovery.SourceState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
import org.apache.http.Header;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.message.BasicHeader;

/**
 * The Consul source: watches the catalog's service list, the passing instances of each selected
 * service ({@code /v1/health/service/<svc>?passing}) and the KV keys under {@value #KV_PREFIX},
 * and hands each changed whole content to {@code onChange} as a {@link ConsulSnapshot}, from one
 * thread.
 *
 * <p>Two ways to follow the selected services, chosen by how many there are. Up to
 * {@value #MAX_SERVICE_WATCHES}: one blocking query per service, as consul-template does; each
 * wakes only when its service changes (Consul keeps an index per service), so a change costs one
 * request. But each costs one parked HTTP connection (and one mostly idle thread), and Consul's
 * {@code limits.http_max_conns_per_client} (200 by default) refuses connections beyond it, so
 * above that count the source watches two tables instead: {@code /v1/catalog/services} (whose
 * index moves on every registration, deregistration or service change, checks or not) and
 * {@code /v1/health/state/any} (whose index moves on every check change). When the catalog moves,
 * every selected service is read again; when only checks moved, only the services whose checks
 * changed (all of them for a node check). Those are plain {@code ?passing} reads, at most
 * {@value #READERS} at a time, so the source holds at most {@value #READERS} + 3 connections
 * whatever the catalog's size. The price is a full re-read per registration, against one request;
 * the snapshot is the same either way. A session picks its way from the first catalog answer;
 * when the selection later crosses the threshold (up beyond it, or down to three quarters of it,
 * so a selection hovering at the threshold does not flap), the session ends and a new one reads
 * everything the other way, keeping the last snapshot until that read is complete.
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
    /** Consul's preferred way to pass an ACL token (the {@code ?token=} parameter is deprecated). */
    static final String TOKEN_HEADER = "X-Consul-Token";
    static final long FIRST_RETRY_MILLIS = 100;
    static final long MAX_RETRY_MILLIS = 5_000;
    /**
     * Long enough for the answers one registration wakes (its service's query and the catalog's)
     * to arrive together, short beside the rest of a change: with 20 ms it was most of the 25 ms
     * from a registration to routing (ConsulPropagationTest). The pipeline coalesces what comes later.
     */
    static final long SETTLE_MILLIS = 5;
    static final long MAX_SETTLE_MILLIS = 200;
    /**
     * The {@code wait} of every blocking query. Shorter than Consul's 5 minute default so that a
     * silently vanished agent (no reset, no FIN) is noticed by the read timeout within about a
     * minute and a half; one request per service per minute is cheap.
     */
    static final long WAIT_SECONDS = 60;
    /** Above this many selected services, the source watches the catalog and checks tables instead. */
    static final int MAX_SERVICE_WATCHES = 128;
    /** Plain service reads at a time when watching the tables. */
    static final int READERS = 4;
    /** Above wait + Consul's jitter (wait/16), with a margin for a slow answer. */
    private static final int READ_TIMEOUT_MILLIS = (int) (WAIT_SECONDS * 1000 * 17 / 16 + 15_000);
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ConsulAddress address;
    private final Optional<String> tag;
    /** The ACL token, sent as {@code X-Consul-Token} on every request; a secret, never logged. */
    private final Optional<String> token;
    private final Consumer<ConsulSnapshot> onChange;
    private final String name;
    private final int maxServiceWatches;
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
    /** How this session follows the services; null before its first catalog answer. */
    private Mode mode;
    /** In TABLES mode: node + check id -> the check's state, null before the first checks answer. */
    private Map<String, String> checkStates;
    /** In TABLES mode: services to read, being read, and changed while being read. */
    private final Set<String> toRead = new LinkedHashSet<>();
    private final Set<String> reading = new HashSet<>();
    private final Set<String> readAgain = new HashSet<>();
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
        this(address, tag, Optional.empty(), onChange, MAX_SERVICE_WATCHES);
    }

    /**
     * Like {@link #ConsulSource(String, Optional, Consumer)}, sending the ACL {@code token} (as
     * {@code CONSUL_HTTP_TOKEN} gives it to Consul's CLI; empty: none) in the {@code X-Consul-Token}
     * header of every request, so that it never appears in a URL, an error or the log.
     *
     * @throws IllegalArgumentException when the address is not valid, or the token cannot be a header value
     */
    public ConsulSource(String address, Optional<String> tag, Optional<String> token,
            Consumer<ConsulSnapshot> onChange) {
        this(address, tag, token, onChange, MAX_SERVICE_WATCHES);
    }

    /** With another threshold between one query per service and watching the tables (tests). */
    ConsulSource(String address, Optional<String> tag, Consumer<ConsulSnapshot> onChange,
            int maxServiceWatches) {
        this(address, tag, Optional.empty(), onChange, maxServiceWatches);
    }

    /** With a token and another threshold (tests). */
    ConsulSource(String address, Optional<String> tag, Optional<String> token,
            Consumer<ConsulSnapshot> onChange, int maxServiceWatches) {
        this.maxServiceWatches = maxServiceWatches;
        this.address = ConsulAddress.parse(address);
        this.tag = tag.filter(t -> !t.isBlank());
        this.token = token.map(String::strip).filter(t -> !t.isEmpty());
        if (this.token.isPresent() && !validToken(this.token.get())) {
            // Not echoed: the value is a secret.
            throw new IllegalArgumentException("the Consul ACL token must be printable ASCII without spaces");
        }
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

    private CloseableHttpClient newHttpClient() {
        PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager();
        // One connection per parked query (catalog, KV, each service or the checks) and per read:
        // a ceiling, so that lb stays below Consul's per-client limit whatever happens.
        int max = Math.max(maxServiceWatches, 1 + READERS) + 2 + READERS;
        connections.setMaxTotal(max);
        connections.setDefaultMaxPerRoute(max);
        RequestConfig timeouts = RequestConfig.custom()
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setConnectionRequestTimeout(CONNECT_TIMEOUT_MILLIS)
                .setSocketTimeout(READ_TIMEOUT_MILLIS)
                .build();
        // The token as a default header rather than consul-api's per-request token setters: some of
        // those (KV, health state) put it in the URL as ?token=, which Consul deprecates and which
        // would show in any logged URL.
        List<Header> headers = token.<List<Header>>map(t -> List.of(new BasicHeader(TOKEN_HEADER, t)))
                .orElse(List.of());
        return HttpClientBuilder.create()
                .setDefaultHeaders(headers)
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
        if (mode == null) {
            mode = selected.size() > maxServiceWatches ? Mode.TABLES : Mode.PER_SERVICE;
            if (mode == Mode.TABLES) {
                watchChecks();
            }
        } else if (mode == Mode.PER_SERVICE ? selected.size() > maxServiceWatches
                : selected.size() <= maxServiceWatches * 3 / 4) {
            // A new session reads everything the other way; the last snapshot stays until it is complete.
            LOG.log(System.Logger.Level.INFO, "{0}: {1} services selected, {2}", name, selected.size(),
                    mode == Mode.PER_SERVICE ? "watching the catalog and checks instead of each service"
                            : "watching each service again");
            post(this::connect);
            endSession();
            return;
        }
        catalog = selected;
        catalogIndex = index;
        if (mode == Mode.TABLES) {
            instances.keySet().retainAll(selected.keySet());
            serviceIndexes.keySet().retainAll(selected.keySet());
            toRead.retainAll(selected.keySet());
            readAgain.retainAll(selected.keySet());
            if (checkStates != null) {
                selected.keySet().forEach(this::mustRead); // the index does not say which one changed
                readSome();
            }
            changed();
            return;
        }
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
        instances.put(svc, passing(entries));
        serviceIndexes.put(svc, index);
        changed();
    }

    // ---- TABLES mode: the catalog and checks tables watched, services read when they move ----

    private void watchChecks() {
        long s = session;
        ConsulClient c = client;
        watch(new BlockingWatch<>("health/state/any",
                (index, wait) -> c.getHealthChecksState(params(index, wait)),
                WAIT_SECONDS, listener(s, (w, list, index) -> checksAnswered(list))));
    }

    /** Marks the services whose checks changed since the last answer (every one for a node check). */
    private void checksAnswered(List<Check> list) {
        Map<String, String> states = new HashMap<>();
        Map<String, Check> byKey = new HashMap<>();
        for (Check c : list == null ? List.<Check>of() : list) {
            String key = c.getNode() + "\u0000" + c.getCheckId();
            states.put(key, c.getStatus() + " " + c.getServiceId() + " " + c.getServiceName() + " "
                    + c.getModifyIndex());
            byKey.put(key, c);
        }
        Map<String, String> before = checkStates;
        checkStates = states;
        if (catalog == null) {
            return;
        }
        if (before == null) {
            catalog.keySet().forEach(this::mustRead); // the session's first read
        } else {
            Map<String, Check> gone = new HashMap<>();
            Set<String> keys = new HashSet<>(before.keySet());
            keys.addAll(states.keySet());
            for (String key : keys) {
                if (Objects.equals(before.get(key), states.get(key))) {
                    continue;
                }
                String old = before.get(key);
                Check now = byKey.get(key);
                // A check that is gone: its service id and name are in the old state string.
                String serviceId = now != null ? now.getServiceId() : old.split(" ", 4)[1];
                String service = now != null ? now.getServiceName() : old.split(" ", 4)[2];
                if (serviceId == null || serviceId.isEmpty() || serviceId.equals("null")) {
                    catalog.keySet().forEach(this::mustRead); // a node check: its services are not listed
                    break;
                }
                if (catalog.containsKey(service)) {
                    mustRead(service);
                }
            }
        }
        readSome();
        changed();
    }

    private void mustRead(String svc) {
        if (reading.contains(svc)) {
            readAgain.add(svc); // the read in flight may have started before the change
        } else {
            toRead.add(svc);
        }
    }

    /** Starts plain reads of the marked services, at most {@link #READERS} at a time. */
    private void readSome() {
        long s = session;
        ConsulClient c = client;
        Iterator<String> next = toRead.iterator();
        while (reading.size() < READERS && next.hasNext()) {
            String svc = next.next();
            next.remove();
            reading.add(svc);
            Runnable read = () -> {
                Response<List<HealthService>> r;
                try {
                    r = c.getHealthServices(svc, HealthServicesRequest.newBuilder().setPassing(true)
                            .setTag(tag.orElse(null)).setQueryParams(QueryParams.DEFAULT).build());
                } catch (RuntimeException e) {
                    post(() -> failed(s, "health/service/" + svc, e));
                    return;
                }
                post(() -> {
                    if (s == session && !closed) {
                        readAnswered(svc, r.getValue(), r.getConsulIndex());
                    }
                });
            };
            try {
                watchThreads.execute(read);
            } catch (RejectedExecutionException closing) {
                return;
            }
        }
    }

    private void readAnswered(String svc, List<HealthService> entries, Long index) {
        reading.remove(svc);
        if (catalog.containsKey(svc)) {
            instances.put(svc, passing(entries));
            serviceIndexes.put(svc, index == null ? 0 : index);
            if (readAgain.remove(svc)) {
                toRead.add(svc);
            }
        }
        readSome();
        changed();
    }

    /** The passing instances of a {@code /v1/health/service/<svc>?passing} answer, in a stable order. */
    private static List<ConsulSnapshot.Instance> passing(List<HealthService> entries) {
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
        return List.copyOf(passing);
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
        if (!toRead.isEmpty() || !reading.isEmpty()) {
            return; // a change is being read: the last answer of these reads schedules the flush
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
        if (token.isPresent()) {
            message = message.replace(token.get(), "<token>"); // should an answer ever echo it
        }
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
        mode = null;
        checkStates = null;
        toRead.clear();
        reading.clear();
        readAgain.clear();
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

    /** How a session follows the selected services (see the class comment). */
    private enum Mode {
        PER_SERVICE, TABLES
    }

    /** First retry after about 100 ms, doubling to 5 s, each delay drawn from [d/2, d]. */
    static long backoff(int failures) {
        long d = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(failures - 1, 20));
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }

    /** Whether {@code t} can be sent as a header value: visible ASCII only (Consul's are UUIDs). */
    public static boolean validToken(String t) {
        return !t.isEmpty() && t.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    private String describe(Exception e) {
        if (e instanceof OperationException o) {
            String content = o.getStatusContent() == null ? "" : o.getStatusContent().strip();
            if (content.length() > 200) {
                content = content.substring(0, 200) + "...";
            }
            String hint = "";
            if (o.getStatusCode() == 403) {
                // ACLs on (default deny): say what to set rather than leave "Permission denied" alone.
                hint = token.isEmpty()
                        ? " (no ACL token is set: set lb.consul.token / CONSUL_HTTP_TOKEN to a token allowed"
                                + " to read the catalog, health and " + KV_PREFIX + " KV)"
                        : " (is the token in lb.consul.token / CONSUL_HTTP_TOKEN valid and allowed to read"
                                + " the catalog, health and " + KV_PREFIX + " KV?)";
            }
            return "HTTP " + o.getStatusCode() + (content.isEmpty() ? "" : ": " + content) + hint;
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
