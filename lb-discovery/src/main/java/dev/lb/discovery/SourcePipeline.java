package dev.lb.discovery;

import dev.lb.core.config.ConfigException;
import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.config.LoadResult;
import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.ResolversSpec;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.TableRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where every input of the routing table meets (SPEC section 3): the haproxy.cfg files, the
 * parts rendered by discovery sources (etcd, later Consul) and the DNS answers their servers
 * need. A rebuild reads them all, compiles them as one configuration, and publishes the table
 * only if it is valid and differs from the live one.
 *
 * <p>An input whose part is invalid never replaces a good table, and never holds the others
 * back either: the rebuild is tried again with that input's last accepted text, so a broken
 * file does not stop etcd changes from applying, nor a bad etcd value a file reload. Changes
 * reported by sources are coalesced: however many arrive while a rebuild runs, one more
 * rebuild follows.
 */
public final class SourcePipeline {

    private static final System.Logger LOG = System.getLogger("lb.reload");

    /** How long a rebuild waits for the first answer of a name it has never resolved. */
    static final Duration FIRST_ANSWER_LIMIT = Duration.ofSeconds(1);

    /** The haproxy.cfg files. */
    @FunctionalInterface
    public interface Files {
        /** Reads them now; a file that cannot be read is a problem naming it. */
        List<ConfigText> read(List<ConfigProblem> problems);
    }

    /** A discovery source's contribution to the configuration. */
    public interface Part {
        /** Renders the source's current data, asking {@code dns} for the names it needs. */
        Rendered render(DnsLookup dns);

        SourceState state();
    }

    /**
     * One rendering of a part.
     *
     * @param texts haproxy.cfg text, named for problem reports
     * @param dnsQueries names the part asked for, to keep resolved
     * @param problems what the source skipped or kept from before (not errors of the table)
     */
    public record Rendered(List<ConfigText> texts, Set<DnsQuery> dnsQueries, List<ConfigProblem> problems) {
        public Rendered {
            texts = List.copyOf(texts);
            dnsQueries = Set.copyOf(dnsQueries);
            problems = List.copyOf(problems);
        }
    }

    /** The DNS side: answers, and the names to keep resolving. */
    public interface Resolver extends DnsLookup {
        void want(Set<DnsQuery> queries, Map<String, ResolversSpec> sections);

        CompletableFuture<Void> firstAnswers(Set<DnsQuery> queries, Duration limit);

        SourceState state();
    }

    /**
     * What one rebuild did.
     *
     * @param applied the files as they are now are live (a reload's answer)
     * @param unchanged nothing differed from the live table's inputs, so nothing was published
     * @param published a new table went live
     * @param version the live table's version afterwards
     * @param errors why the files, or a source's part, were refused
     * @param warnings the compiler's warnings and what sources skipped
     */
    public record Outcome(boolean applied, boolean unchanged, boolean published, long version,
            List<ConfigProblem> errors,
            List<ConfigProblem> warnings) {
    }

    /** The inputs of one compilation. */
    private record Inputs(List<ConfigText> files, Map<Part, List<ConfigText>> parts) {

        List<ConfigText> all() {
            List<ConfigText> out = new ArrayList<>(files);
            parts.values().forEach(out::addAll);
            return out;
        }
    }

    private final TableRef tables;
    private final Files files;
    private final List<Part> parts;
    private final Resolver dns;
    private final Executor thread;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Set<DnsQuery> wanted = ConcurrentHashMap.newKeySet();

    private List<ConfigText> goodFiles;
    private final Map<Part, List<ConfigText>> goodParts = new HashMap<>();
    private List<ConfigText> rejectedFiles = List.of();
    private List<ConfigText> liveTexts = List.of();
    private Map<DnsQuery, DnsAnswer> liveAnswers = Map.of();
    private volatile Outcome last;
    private volatile Instant lastAt = Instant.now();
    private volatile List<ConfigProblem> sourceProblems = List.of();
    private Set<ConfigProblem> loggedWarnings = Set.of();
    private volatile List<String> liveFiles = List.of();

    /**
     * @param dns the DNS watcher, or {@code null} to resolve nothing at run time
     * @param thread where coalesced rebuilds run (one thread, shared with reload requests)
     */
    public SourcePipeline(TableRef tables, Files files, List<Part> parts, Resolver dns, Executor thread) {
        this.tables = tables;
        this.files = files;
        this.parts = List.copyOf(parts);
        this.dns = dns;
        this.thread = thread;
    }

    /**
     * A source's data or a DNS answer changed: one rebuild is scheduled on the pipeline thread
     * unless one is already waiting to start, which will then see this change too.
     */
    public void changed(String cause) {
        if (pending.compareAndSet(false, true)) {
            try {
                thread.execute(() -> {
                    pending.set(false);
                    try {
                        rebuild(cause, Trigger.SOURCE);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "rebuild after " + cause + " failed", e);
                    }
                });
            } catch (RejectedExecutionException e) {
                // lb is stopping: no table will be needed any more.
                pending.set(false);
            }
        }
    }

    /** Reads the files and rebuilds now; a reload (SIGHUP, lb reload, the API) asks this. */
    public Outcome reload(String cause) {
        return rebuild(cause, Trigger.RELOAD);
    }

    /**
     * As {@link #reload}, but files that were already refused as they are are not reported
     * again: the file watcher calls this on every change in the files' directories.
     */
    public Outcome reloadIfChanged(String cause) {
        return rebuild(cause, Trigger.FILE_EVENT);
    }

    /** The outcome of the latest rebuild, {@code null} before the first. */
    public Outcome last() {
        return last;
    }

    public Instant lastAt() {
        return lastAt;
    }

    /** The names of the files in the live table (its other texts are the sources' parts). */
    public List<String> liveFiles() {
        return liveFiles;
    }

    /** What the sources skipped or kept from before at the latest rebuild. */
    public List<ConfigProblem> sourceProblems() {
        return sourceProblems;
    }

    /** The state of every source, DNS last, for the admin page. */
    public List<SourceState> states() {
        List<SourceState> out = new ArrayList<>();
        parts.forEach(p -> out.add(p.state()));
        if (dns != null && !wanted.isEmpty()) {
            out.add(dns.state());
        }
        return out;
    }

    /** Why a rebuild runs. */
    private enum Trigger {
        /** Asked for: the files are compiled and reported even when they were refused before. */
        RELOAD,
        /** A change in the files' directories: files refused as they are are not reported again. */
        FILE_EVENT,
        /** A source or a DNS answer changed. */
        SOURCE
    }

    private synchronized Outcome rebuild(String cause, Trigger trigger) {
        Outcome o = build(cause, trigger, true);
        report(cause, o);
        last = o;
        lastAt = Instant.now();
        return o;
    }

    private Outcome build(String cause, Trigger trigger, boolean mayWaitForDns) {
        long version = tables.get().version();
        List<ConfigProblem> readProblems = new ArrayList<>();
        List<ConfigText> fileTexts = files.read(readProblems);
        boolean filesReadable = readProblems.isEmpty();
        Recording lookup = new Recording(dns);
        Map<Part, List<ConfigText>> partTexts = new HashMap<>();
        List<ConfigProblem> skipped = new ArrayList<>();
        Set<DnsQuery> partQueries = new LinkedHashSet<>();
        for (Part p : parts) {
            Rendered r = p.render(lookup);
            partTexts.put(p, r.texts());
            skipped.addAll(r.problems());
            partQueries.addAll(r.dnsQueries());
        }
        sourceProblems = List.copyOf(skipped);

        List<ConfigProblem> errors = new ArrayList<>(readProblems);
        Inputs inputs = new Inputs(filesReadable ? fileTexts : goodFiles, partTexts);
        if (inputs.files() == null) {
            return new Outcome(false, false, false, version, errors, List.of());
        }
        boolean filesNew = filesReadable && !fileTexts.equals(goodFiles);
        if (filesNew && trigger == Trigger.FILE_EVENT && fileTexts.equals(rejectedFiles)) {
            return new Outcome(false, true, false, version, List.of(), List.of());
        }
        LoadResult loaded;
        try {
            loaded = validate(inputs.all(), tables.get(), lookup);
        } catch (ConfigException e) {
            errors.addAll(e.problems());
            Inputs fallback = fallback(inputs, e.problems());
            if (fallback == null) {
                rejectedFiles = filesReadable ? fileTexts : rejectedFiles;
                return new Outcome(false, false, false, version, errors, List.of());
            }
            inputs = fallback;
            try {
                loaded = validate(inputs.all(), tables.get(), lookup);
            } catch (ConfigException again) {
                rejectedFiles = filesReadable ? fileTexts : rejectedFiles;
                return new Outcome(false, false, false, version, errors, List.of());
            }
        }
        if (dns != null) {
            Set<DnsQuery> all = new LinkedHashSet<>(loaded.dnsQueries());
            all.addAll(partQueries);
            Set<DnsQuery> fresh = new HashSet<>(all);
            fresh.removeAll(wanted);
            dns.want(all, loaded.resolvers());
            wanted.retainAll(all);
            wanted.addAll(all);
            if (mayWaitForDns && fresh.stream().anyMatch(q -> lookup.lookup(q) == null)) {
                // A new name: wait (bounded) for its first answer rather than publish a service
                // with no server; then build again with it.
                try {
                    dns.firstAnswers(fresh, FIRST_ANSWER_LIMIT)
                            .get(FIRST_ANSWER_LIMIT.toMillis() + 1000, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    // Published without the answer; the watcher's change notice rebuilds later.
                }
                return build(cause, trigger, false);
            }
        }
        boolean filesLive = inputs.files() == fileTexts && filesReadable;
        if (filesLive) {
            goodFiles = List.copyOf(fileTexts);
            rejectedFiles = List.of();
        } else if (filesReadable) {
            rejectedFiles = fileTexts;
        }
        goodParts.putAll(inputs.parts());
        List<ConfigText> all = inputs.all();
        List<ConfigProblem> warnings = new ArrayList<>(loaded.warnings());
        warnings.addAll(skipped);
        if (all.equals(liveTexts) && lookup.answers().equals(liveAnswers)) {
            return new Outcome(filesLive, true, false, version, errors, warnings);
        }
        RoutingTable published = tables.publish(loaded.table());
        liveFiles = inputs.files().stream().map(ConfigText::name).toList();
        liveTexts = all;
        liveAnswers = lookup.answers();
        return new Outcome(filesLive, false, true, published.version(), errors, warnings);
    }

    /**
     * The inputs with each one that has an error replaced by its last accepted version (a part
     * without one by nothing); {@code null} when no input can be replaced.
     */
    private Inputs fallback(Inputs inputs, List<ConfigProblem> problems) {
        Set<String> blamed = new HashSet<>();
        problems.forEach(p -> blamed.add(p.file()));
        boolean replaced = false;
        List<ConfigText> f = inputs.files();
        if (f.stream().anyMatch(t -> blamed.contains(t.name())) && goodFiles != null && !f.equals(goodFiles)) {
            f = goodFiles;
            replaced = true;
        }
        Map<Part, List<ConfigText>> p = new HashMap<>(inputs.parts());
        for (Map.Entry<Part, List<ConfigText>> e : inputs.parts().entrySet()) {
            // A part never accepted yet is left out: the files and the other parts still serve.
            List<ConfigText> good = goodParts.getOrDefault(e.getKey(), List.of());
            if (e.getValue().stream().anyMatch(t -> blamed.contains(t.name())) && !good.equals(e.getValue())) {
                p.put(e.getKey(), good);
                replaced = true;
            }
        }
        return replaced ? new Inputs(f, p) : null;
    }

    /**
     * Compiles {@code texts} as the successor of {@code previous} and checks what a serving
     * process needs on top of that: what {@code lb -c} and every rebuild accept.
     */
    public static LoadResult validate(List<ConfigText> texts, RoutingTable previous, DnsLookup dns)
            throws ConfigException {
        LoadResult loaded = HaproxyConfigLoader.compile(texts, previous, dns);
        if (loaded.table().frontends().isEmpty()) {
            // HAProxy refuses such a file too ("no <listen> line. Nothing to do!"); for lb it also
            // guards against a truncated or empty file removing every listener.
            String file = texts.isEmpty() ? "configuration" : texts.get(texts.size() - 1).name();
            throw new ConfigException(List.of(
                    new ConfigProblem(file, 0, "no frontend or listen section: nothing to serve")));
        }
        return loaded;
    }

    /**
     * Logs what a rebuild did. A warning already logged by the previous rebuild is not logged
     * again: sources rebuild often, and an incomplete etcd service would repeat at every change.
     */
    private void report(String cause, Outcome o) {
        if (!o.published() && o.errors().isEmpty()) {
            return;
        }
        Set<ConfigProblem> logged = new HashSet<>(o.warnings());
        for (ConfigProblem w : o.warnings()) {
            if (!loggedWarnings.contains(w)) {
                LOG.log(System.Logger.Level.WARNING, w.format());
            }
        }
        loggedWarnings = logged;
        StringBuilder errors = new StringBuilder();
        for (ConfigProblem p : o.errors()) {
            errors.append("\n  ").append(p.format());
        }
        if (o.published() && o.errors().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "configuration applied (" + cause + "): table version "
                    + o.version());
        } else if (o.published()) {
            LOG.log(System.Logger.Level.ERROR, "configuration applied (" + cause + ") as table version "
                    + o.version() + ", with the last accepted version of what was refused:" + errors);
        } else {
            LOG.log(System.Logger.Level.ERROR, "configuration rejected (" + cause + "), still serving table "
                    + "version " + o.version() + ":" + errors);
        }
    }

    /** A lookup that remembers what it answered, so that a rebuild knows which answers it used. */
    private static final class Recording implements DnsLookup {
        private final DnsLookup delegate;
        private final Map<DnsQuery, DnsAnswer> seen = new HashMap<>();

        Recording(DnsLookup delegate) {
            this.delegate = delegate == null ? DnsLookup.NONE : delegate;
        }

        @Override
        public DnsAnswer lookup(DnsQuery query) {
            DnsAnswer a = delegate.lookup(query);
            seen.put(query, a == null ? new DnsAnswer(List.of()) : a);
            return a;
        }

        Map<DnsQuery, DnsAnswer> answers() {
            return Map.copyOf(seen);
        }
    }
}
