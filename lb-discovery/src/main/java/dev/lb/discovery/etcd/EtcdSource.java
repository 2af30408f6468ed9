package dev.lb.discovery.etcd;

import dev.lb.discovery.SourceState;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * The etcd v3 source: reads every key under {@code <prefix>/} once, then watches the prefix from
 * the next revision, and hands each changed whole content to {@code onChange} as an
 * {@link EtcdSnapshot}, from one thread, in revision order.
 *
 * <p>Every connection attempt (a session) gets its own jetcd client and starts with a full range
 * read, so a reconnect or a compacted watch revision is always a fresh read and the snapshot
 * drops keys deleted while the source was not watching. jetcd 0.8.7 would resume a broken watch
 * by itself every 500 ms, but from a revision it raises to the creation response's header
 * revision before the events up to it have arrived (a gap if the stream breaks again meanwhile),
 * and its gRPC channel backs off up to two minutes between reconnects; so a broken watch is
 * closed here and the next session, after our own backoff, starts from a range read.
 *
 * <p>All state below the volatile fields is confined to the source's single thread.
 */
public final class EtcdSource implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("lb.etcd");
    static final long FIRST_RETRY_MILLIS = 100;
    static final long MAX_RETRY_MILLIS = 5_000;
    /** A range read that hangs (etcd stopped with SIGSTOP, a black-holed route) fails after this. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** PEM bundles under certs/ make the initial read large; gRPC's default limit is 4 MiB. */
    private static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final List<URI> endpoints;
    private final String prefix;
    private final ByteSequence prefixKey;
    private final Consumer<EtcdSnapshot> onChange;
    private final Runnable beforeWatch;
    private final String name;
    private final ScheduledThreadPoolExecutor loop;
    private volatile Thread loopThread;

    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile EtcdSnapshot snapshot;
    private volatile SourceState state;
    private final AtomicInteger rangeReads = new AtomicInteger();

    // Confined to the loop thread.
    private final TreeMap<String, String> keys = new TreeMap<>();
    /** The revision {@link #keys} are at: the range read's, then the last applied event's. */
    private long position;
    private Client client;
    private Watch.Watcher watcher;
    /** Clients of ended sessions, closed at the next attempt (see {@link #endSession()}). */
    private final List<Client> retired = new ArrayList<>();
    /** Incremented when a session ends: callbacks of an older session are ignored. */
    private long session;
    private int failures;
    private boolean flushQueued;
    private String loggedError;

    /**
     * A source that will watch {@code <prefix>/} (prefix like {@code /haproxy-haproxy-1}, without
     * trailing slash) on the given endpoints (from {@link EtcdEndpoints#parse}); nothing happens
     * until {@link #start()}.
     */
    public EtcdSource(List<URI> endpoints, String prefix, Consumer<EtcdSnapshot> onChange) {
        this(endpoints, prefix, onChange, () -> { });
    }

    /** For tests: {@code beforeWatch} runs on the source's thread between range read and watch. */
    EtcdSource(List<URI> endpoints, String prefix, Consumer<EtcdSnapshot> onChange, Runnable beforeWatch) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoint");
        }
        this.endpoints = List.copyOf(endpoints);
        this.prefix = (prefix.endsWith("/") ? prefix : prefix + "/");
        this.prefixKey = ByteSequence.from(this.prefix, StandardCharsets.UTF_8);
        this.onChange = onChange;
        this.beforeWatch = beforeWatch;
        this.name = "etcd " + this.endpoints.stream().map(URI::toString).collect(Collectors.joining(","))
                + " " + this.prefix;
        this.state = new SourceState(name, false, 0, null, null);
        this.loop = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "lb-etcd-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            loopThread = t;
            return t;
        });
        // close() must not wait for a pending reconnect.
        loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        loop.setRemoveOnCancelPolicy(true);
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

    /** The latest snapshot, or null before the first successful read. */
    public EtcdSnapshot snapshot() {
        return snapshot;
    }

    /** How many range reads were started (tests check that a compaction re-reads). */
    int rangeReads() {
        return rangeReads.get();
    }

    /** Stops the watch, closes the client and ends the source's thread (waits a few seconds at most). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        post(() -> {
            endSession();
            closeRetired();
        });
        loop.shutdown();
        if (Thread.currentThread() != loopThread) {
            try {
                if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                    loop.shutdownNow();
                }
            } catch (InterruptedException e) {
                loop.shutdownNow();
                Thread.currentThread().interrupt();
            }
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
        closeRetired();
        long s = session;
        try {
            client = newClient();
        } catch (RuntimeException | SSLException e) {
            failed(s, "client", e);
            return;
        }
        rangeReads.incrementAndGet();
        client.getKVClient().get(prefixKey, GetOption.builder().isPrefix(true).build())
                .orTimeout(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((response, error) -> post(() -> {
                    if (s != session || closed) {
                        return;
                    }
                    if (error != null) {
                        failed(s, "range read", error);
                    } else {
                        read(s, response);
                    }
                }));
    }

    private Client newClient() throws SSLException {
        ClientBuilder b = Client.builder()
                .endpoints(endpoints.toArray(URI[]::new))
                // Fail fast while etcd is unreachable: our own backoff decides when to try again.
                .waitForReady(false)
                .retryMaxAttempts(0)
                .connectTimeout(Duration.ofSeconds(2))
                // Notices a silent peer on an idle watch within ~15 s; etcd allows pings every 5 s.
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(5))
                .keepaliveWithoutCalls(false)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES);
        if (endpoints.get(0).getScheme().equals("https")) {
            b.sslContext(ssl -> { }); // the JDK's trusted CAs
        }
        return b.build();
    }

    private void read(long s, GetResponse response) {
        TreeMap<String, String> fresh = new TreeMap<>();
        for (KeyValue kv : response.getKvs()) {
            fresh.put(relative(kv.getKey()), kv.getValue().toString(StandardCharsets.UTF_8));
        }
        long revision = response.getHeader().getRevision();
        keys.clear();
        keys.putAll(fresh);
        position = revision;
        publishIfChanged();
        state = new SourceState(name, true, revisionOfSnapshot(), null, state.lastChange());
        beforeWatch.run();
        if (s != session || closed) {
            return;
        }
        WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision + 1)
                .withCreateNotify(true).withRequireLeader(true).build();
        try {
            watcher = client.getWatchClient().watch(prefixKey, option, new SessionListener(s));
        } catch (RuntimeException e) {
            failed(s, "watch", e);
        }
    }

    private void watched(WatchResponse response) {
        if (response.isCreatedNotify()) {
            if (loggedError != null) {
                LOG.log(System.Logger.Level.INFO, "{0}: watching again from revision {1}", name, position + 1);
                loggedError = null;
            }
            failures = 0;
            return;
        }
        long before = position;
        long last = position;
        boolean changed = false;
        for (WatchEvent e : response.getEvents()) {
            KeyValue kv = e.getKeyValue();
            long mod = kv.getModRevision();
            if (mod <= before) {
                continue; // already in the range read: never apply an event twice
            }
            String key = relative(kv.getKey());
            switch (e.getEventType()) {
                case PUT -> {
                    String value = kv.getValue().toString(StandardCharsets.UTF_8);
                    changed |= !value.equals(keys.put(key, value));
                }
                case DELETE -> changed |= keys.remove(key) != null;
                default -> {
                    continue;
                }
            }
            last = Math.max(last, mod);
        }
        position = last;
        if (changed && !flushQueued) {
            // Publish after the responses already queued behind this one: a burst of writes
            // costs one snapshot copy per batch of responses, not one per response.
            flushQueued = true;
            post(() -> {
                flushQueued = false;
                if (!closed) {
                    publishIfChanged();
                }
            });
        }
    }

    /** Hands {@link #keys} on at {@link #position} unless they equal the last snapshot's. */
    private void publishIfChanged() {
        EtcdSnapshot last = snapshot;
        if (last == null || !last.keys().equals(keys)) {
            publish(position);
        }
    }

    private void failed(long s, String what, Throwable error) {
        if (s != session || closed) {
            return;
        }
        Throwable cause = unwrap(error);
        endSession();
        failures++;
        String message;
        long delay;
        if (cause instanceof CompactedException c) {
            // Not an outage: read everything again at once (the first time), then watch from there.
            message = "watch from revision " + (position + 1) + " was compacted (compact revision "
                    + c.getCompactedRevision() + "), reading all keys again";
            delay = failures == 1 ? 0 : backoff(failures);
            state = new SourceState(name, state.connected(), revisionOfSnapshot(), message, state.lastChange());
        } else {
            message = what + ": " + describe(cause);
            delay = backoff(failures);
            state = new SourceState(name, false, revisionOfSnapshot(), message, state.lastChange());
        }
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

    /**
     * Ends the current session's watch; late callbacks of the session are ignored. Its client is
     * closed later: jetcd reports a broken watch to us before it schedules its own resume on the
     * client's executor, and closing the client at once would make that schedule fail (a logged
     * RejectedExecutionException); the closed watcher makes the resume a no-op.
     */
    private void endSession() {
        session++;
        Watch.Watcher w = watcher;
        watcher = null;
        try {
            if (w != null) {
                w.close();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the etcd watch", e);
        }
        if (client != null) {
            retired.add(client);
            client = null;
        }
    }

    private void closeRetired() {
        for (Client c : retired) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the etcd client", e);
            }
        }
        retired.clear();
    }

    private void publish(long revision) {
        EtcdSnapshot next = new EtcdSnapshot(revision, keys);
        snapshot = next;
        state = new SourceState(name, true, revision, null, Instant.now());
        try {
            onChange.accept(next);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, name + ": the consumer of a snapshot failed", e);
        }
    }

    private long revisionOfSnapshot() {
        EtcdSnapshot s = snapshot;
        return s == null ? 0 : s.revision();
    }

    private String relative(ByteSequence key) {
        return key.toString(StandardCharsets.UTF_8).substring(prefix.length());
    }

    /** First retry after about 100 ms, doubling to 5 s, each delay drawn from [d/2, d]. */
    static long backoff(int failures) {
        long d = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(failures - 1, 20));
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable t) {
        if (t instanceof java.util.concurrent.TimeoutException) {
            return "no answer within " + READ_TIMEOUT.toSeconds() + " s";
        }
        StringBuilder b = new StringBuilder(String.valueOf(t.getMessage() == null ? t : t.getMessage()));
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !b.toString().contains(c.getMessage())) {
                b.append(": ").append(c.getMessage());
            }
        }
        return b.toString();
    }

    /** Relays one session's watch callbacks to the loop thread. */
    private final class SessionListener implements Watch.Listener {
        private final long s;

        SessionListener(long s) {
            this.s = s;
        }

        @Override
        public void onNext(WatchResponse response) {
            post(() -> {
                if (s == session && !closed) {
                    watched(response);
                }
            });
        }

        @Override
        public void onError(Throwable error) {
            post(() -> failed(s, "watch", error));
        }

        @Override
        public void onCompleted() {
            // jetcd ends a watch this way after a halt error (already reported by onError, so
            // this session is over) or when the server ends the stream: either way, reconnect.
            post(() -> failed(s, "watch", new IllegalStateException("the watch stream ended")));
        }
    }
}
