package dev.lb.discovery.dns;

import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.DnsTarget;
import dev.lb.core.dns.ResolversSpec;
import dev.lb.discovery.SourcePipeline;
import dev.lb.discovery.SourceState;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the names the table needs resolved (A and AAAA, or SRV for {@code _svc._tcp} names),
 * re-resolving each at its TTL but never sooner than {@code hold valid}, and says when an
 * answer changed. A failed resolution keeps the last good answer (SPEC §7, §9).
 *
 * <p>All state lives on one daemon event loop of its own; {@link #lookup} and {@link #state}
 * read published copies, so any thread may call them.
 */
public final class DnsWatcher implements SourcePipeline.Resolver, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("lb.dns");
    /** Never re-resolve more often than this, even with {@code hold valid 0} and TTL 0. */
    private static final long MIN_INTERVAL_MS = 100;
    /** A failed name is retried at {@code hold valid}, but no later than this. */
    private static final long MAX_RETRY_MS = 5_000;

    private final ResolversSpec defaults;
    private final Runnable onChange;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final String sourceName;

    // confined to the loop
    private final Map<DnsQuery, Watch> watches = new HashMap<>();
    private final Map<String, ResolverSection> sections = new HashMap<>();
    private Map<String, ResolversSpec> wantedSections = Map.of();
    private final List<Waiter> waiters = new ArrayList<>();
    private SystemResolvers system;
    private long revision;
    private Instant lastChange;
    private boolean connected;
    private long errorSequence;

    // published for other threads
    private final Map<DnsQuery, DnsAnswer> answers = new ConcurrentHashMap<>();
    private volatile SourceState state;
    private volatile boolean closed;

    /**
     * @param defaults the ResolversSpec named {@link DnsQuery#DEFAULT} built from
     *        {@code lb.dns.servers} / {@code lb.dns.hold-valid}: no name server = the system's
     *        resolvers from /etc/resolv.conf, with its search domains; explicit servers = no
     *        search domains
     * @param onChange called on the watcher's thread whenever the answer of a wanted name changed
     */
    public DnsWatcher(ResolversSpec defaults, Runnable onChange) {
        this.defaults = Objects.requireNonNull(defaults);
        this.onChange = Objects.requireNonNull(onChange);
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("lb-dns", true),
                NioIoHandler.newFactory());
        this.loop = group.next();
        List<String> servers = new ArrayList<>();
        defaults.nameservers().forEach(s -> servers.add(s.getHostString() + ":" + s.getPort()));
        this.sourceName = "dns " + (servers.isEmpty() ? "system" : String.join(",", servers));
        this.state = new SourceState(sourceName, false, 0, null, null);
    }

    /**
     * The set of names the current configuration needs, and the haproxy.cfg resolvers sections
     * by name. New names start resolving at once; names no longer wanted stop being queried
     * (their answers are forgotten); a changed section (servers, hold) takes effect at once.
     * The section named {@link DnsQuery#DEFAULT} is always the constructor's, never one of these.
     */
    public void want(Set<DnsQuery> queries, Map<String, ResolversSpec> sections) {
        Set<DnsQuery> q = Set.copyOf(queries);
        Map<String, ResolversSpec> s = Map.copyOf(sections);
        execute(() -> applyWant(q, s));
    }

    /**
     * Completes when each given query has an answer or has failed at least once, or after
     * {@code limit}; a query not wanted counts as done. Never completes exceptionally. Completes
     * on the watcher's thread: block or build elsewhere.
     */
    public CompletableFuture<Void> firstAnswers(Set<DnsQuery> queries, Duration limit) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Waiter waiter = new Waiter(Set.copyOf(queries), done);
        if (!execute(() -> {
            if (settled(waiter.queries)) {
                done.complete(null);
                return;
            }
            waiters.add(waiter);
            loop.schedule(() -> {
                if (waiters.remove(waiter)) {
                    done.complete(null);
                }
            }, Math.max(0, limit.toMillis()), TimeUnit.MILLISECONDS);
        })) {
            done.complete(null);
        }
        return done;
    }

    /** The last good answer (stable order), or null if never resolved / not wanted. */
    @Override
    public DnsAnswer lookup(DnsQuery query) {
        InetAddress literal = literal(query.name());
        return literal != null ? new DnsAnswer(List.of(new DnsTarget(literal, 0))) : answers.get(query);
    }

    /**
     * How DNS is doing: connected = the latest resolution got an answer from a server, revision =
     * the number of answer changes so far, lastError = the latest error of a name still failing.
     */
    public SourceState state() {
        return state;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (loop.inEventLoop()) {
            release();
        } else {
            try {
                loop.submit(this::release).awaitUninterruptibly(2, TimeUnit.SECONDS);
            } catch (RejectedExecutionException alreadyDown) {
                // nothing left to release
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        if (!loop.inEventLoop()) {
            group.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    private void release() {
        watches.values().forEach(Watch::cancel);
        watches.clear();
        answers.clear();
        sections.values().forEach(ResolverSection::close);
        sections.clear();
        waiters.forEach(w -> w.done.complete(null));
        waiters.clear();
    }

    private boolean execute(Runnable task) {
        if (closed) {
            return false;
        }
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException shutDown) {
            return false;
        }
    }

    private void applyWant(Set<DnsQuery> queries, Map<String, ResolversSpec> specs) {
        if (closed) {
            return;
        }
        Set<String> changed = new HashSet<>();
        Set<String> names = new HashSet<>(specs.keySet());
        names.addAll(wantedSections.keySet());
        for (String name : names) {
            if (!name.equals(DnsQuery.DEFAULT) && !Objects.equals(specs.get(name), wantedSections.get(name))) {
                changed.add(name);
                ResolverSection old = sections.remove(name);
                if (old != null) {
                    old.close();
                }
            }
        }
        wantedSections = specs;
        for (var it = watches.values().iterator(); it.hasNext();) {
            Watch w = it.next();
            if (!queries.contains(w.query)) {
                w.cancel();
                it.remove();
                answers.remove(w.query);
            } else if (changed.contains(w.query.resolvers())) {
                resolve(w);
            }
        }
        for (DnsQuery q : queries) {
            if (!watches.containsKey(q)) {
                Watch w = new Watch(q);
                watches.put(q, w);
                resolve(w);
            }
        }
        publishState();
        checkWaiters();
    }

    /** Starts one resolution of {@code w} now, abandoning any in flight or scheduled. */
    private void resolve(Watch w) {
        w.cancel();
        int generation = w.generation;
        DnsQuery q = w.query;
        InetAddress literal = literal(q.name());
        if (literal != null) {
            // the compiler does not ask for IP literals, but one costs no DNS at all
            w.settled = true;
            finishChange(w, w.setAnswer(new DnsAnswer(List.of(new DnsTarget(literal, 0)))));
            return;
        }
        ResolverSection section = section(q.resolvers());
        if (section == null) {
            w.settled = true;
            fail(w, q.name() + ": no resolvers section named '" + q.resolvers() + "'");
            publishState();
            checkWaiters();
            return;
        }
        List<CompletableFuture<Resolution>> parts = new ArrayList<>();
        for (Watch.Family f : w.families()) {
            parts.add(switch (f) {
                case SRV -> Resolution.services(section, q.name());
                case A -> Resolution.hosts(section, q.name(), DnsRecordType.A);
                case AAAA -> Resolution.hosts(section, q.name(), DnsRecordType.AAAA);
            });
        }
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .whenCompleteAsync((ignored, error) -> finish(w, generation, section, parts), loop);
    }

    private void finish(Watch w, int generation, ResolverSection section,
            List<CompletableFuture<Resolution>> parts) {
        if (closed || watches.get(w.query) != w || w.generation != generation) {
            return; // no longer wanted, or superseded by a newer resolution
        }
        List<Resolution> results = new ArrayList<>();
        Set<String> errors = new LinkedHashSet<>();
        long ttl = -1;
        boolean answered = false;
        for (CompletableFuture<Resolution> part : parts) {
            Resolution r;
            try {
                r = part.getNow(Resolution.failed(w.query.name() + ": resolution did not finish"));
            } catch (CompletionException | CancellationException bug) {
                // a decoding surprise must not stop the name's schedule: count it as a failure
                r = Resolution.failed(w.query.name() + ": " + bug.getCause());
            }
            results.add(r);
            if (r.failed()) {
                errors.add(r.error());
            } else {
                answered = true;
                if (r.ttl() >= 0) {
                    ttl = ttl < 0 ? r.ttl() : Math.min(ttl, r.ttl());
                }
            }
        }
        connected = answered;
        if (errors.isEmpty()) {
            w.error = null;
        } else {
            fail(w, String.join("; ", errors));
        }
        boolean changed = w.apply(results);
        long hold = section.spec().holdValid().toMillis();
        // the TTL, never below hold valid (HAProxy's "hold valid"); a failure retries at hold
        // valid too, but no later than MAX_RETRY_MS so a long hold does not delay recovery
        long delay = !errors.isEmpty() ? Math.min(hold, MAX_RETRY_MS)
                : Math.max(hold, ttl < 0 ? 0 : TimeUnit.SECONDS.toMillis(ttl));
        w.next = loop.schedule(() -> {
            if (watches.get(w.query) == w) {
                resolve(w);
            }
        }, Math.max(MIN_INTERVAL_MS, delay), TimeUnit.MILLISECONDS);
        finishChange(w, changed);
    }

    private void finishChange(Watch w, boolean changed) {
        if (changed) {
            answers.put(w.query, w.answer);
            revision++;
            lastChange = Instant.now();
        }
        publishState();
        checkWaiters();
        if (changed) {
            try {
                onChange.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "DNS change listener failed", e);
            }
        }
    }

    private void fail(Watch w, String error) {
        if (!error.equals(w.error)) {
            // a new error: logged once, and it becomes the state's lastError (the same error
            // repeating at each retry does not hide another name's newer one)
            LOG.log(System.Logger.Level.WARNING, "DNS " + w.query + ": " + error
                    + (w.answer != null ? " (keeping the last answer)" : ""));
            w.errorAt = ++errorSequence;
        }
        w.error = error;
    }

    private ResolverSection section(String name) {
        ResolverSection s = sections.get(name);
        if (s != null) {
            return s;
        }
        ResolversSpec spec = name.equals(DnsQuery.DEFAULT) ? defaults : wantedSections.get(name);
        if (spec == null) {
            return null;
        }
        if (spec.nameservers().isEmpty() && system == null) {
            system = SystemResolvers.read();
        }
        s = new ResolverSection(spec, loop, system);
        sections.put(name, s);
        return s;
    }

    private void publishState() {
        Watch latest = null;
        int failing = 0;
        for (Watch w : watches.values()) {
            if (w.error != null) {
                failing++;
                if (latest == null || w.errorAt > latest.errorAt) {
                    latest = w;
                }
            }
        }
        String error = latest == null ? null
                : latest.error + (failing > 1 ? " (and " + (failing - 1) + " more names failing)" : "");
        state = new SourceState(sourceName, connected, revision, error, lastChange);
    }

    private boolean settled(Set<DnsQuery> queries) {
        for (DnsQuery q : queries) {
            Watch w = watches.get(q);
            if (w != null && !w.settled) {
                return false;
            }
        }
        return true;
    }

    private void checkWaiters() {
        List<Waiter> done = new ArrayList<>();
        waiters.removeIf(w -> settled(w.queries) && done.add(w));
        done.forEach(w -> w.done.complete(null));
    }

    private static InetAddress literal(String name) {
        return NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name)
                ? NetUtil.createInetAddressFromIpAddressString(name) : null;
    }

    private record Waiter(Set<DnsQuery> queries, CompletableFuture<Void> done) {
    }
}
