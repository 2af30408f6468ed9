package dev.lb.discovery.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.discovery.SourceState;
import dev.lb.discovery.testing.EtcdProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The etcd source against Debian's real etcd, driven with etcdctl as users drive it. */
class EtcdSourceTest {

    @RegisterExtension
    static final EtcdProcess ETCD = new EtcdProcess();

    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Longer: covers etcd's ~1.5 s graceful stop plus our backoff (5 s at most) after it. */
    private static final Duration OUTAGE_WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final Pattern KV = Pattern.compile("\\{[^{}]*\"key\":\"([^\"]*)\"[^{}]*\\}");
    private static final Pattern VALUE = Pattern.compile("\"value\":\"([^\"]*)\"");

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void initialReadSeesKeysPutBeforeStartAtTheirRevision() {
        String p = prefix();
        // A PEM bundle the size of a long chain and its key: a value starting with '-', with newlines.
        String pem = "-----BEGIN CERTIFICATE-----\n" + "MIIB".repeat(40_000) + "\n-----END CERTIFICATE-----\n";
        ETCD.etcdctl("put", p + "/services/myapp/domain", "myapp.example.com");
        ETCD.etcdctl("put", p + "/services/myapp/port", "8080");
        ETCD.etcdctlWithInput(pem, "put", p + "/certs/myapp");
        ETCD.etcdctl("put", p + "/services/café/domain", "café.example");
        ETCD.etcdctl("put", p + "0/services/other/port", "9"); // a sibling prefix: not ours
        ETCD.etcdctl("put", p, "the prefix itself: not under it");
        long revision = ETCD.revision();

        Recorder r = new Recorder();
        EtcdSource source = source(ETCD, p, r);
        assertNull(source.snapshot(), "no snapshot before start");
        source.start();
        Await.until("first snapshot", WAIT, () -> !r.snapshots.isEmpty(), stateOf(source));

        EtcdSnapshot first = r.snapshots.get(0);
        assertEquals(revision, first.revision(), "the range read's revision");
        assertEquals(new TreeMap<>(Map.of(
                "services/myapp/domain", "myapp.example.com",
                "services/myapp/port", "8080",
                "certs/myapp", pem,
                "services/café/domain", "café.example")), first.keys());
        assertEquals(first, source.snapshot());
        SourceState state = source.state();
        assertEquals(new SourceState("etcd " + ETCD.endpoint() + " " + p + "/", true, revision, null,
                state.lastChange()), state);
        assertNotNull(state.lastChange(), "time of the last change");
    }

    @Test
    void putChangeAndDeleteAreDeliveredAndNothingElse() {
        String p = prefix();
        Recorder r = new Recorder();
        EtcdSource source = source(ETCD, p, r);
        source.start();
        Await.until("first (empty) snapshot", WAIT, () -> r.snapshots.size() == 1, stateOf(source));
        assertEquals(Set.of(), r.last().keys().keySet());

        ETCD.etcdctl("put", p + "/services/web/port", "8080");
        awaitKeys(r, p);
        ETCD.etcdctl("put", p + "/services/web/port", "8081");
        awaitKeys(r, p);
        ETCD.etcdctl("put", p + "/services/web/domain", "web.example.com");
        awaitKeys(r, p);
        ETCD.etcdctl("del", p + "/services/web/port");
        awaitKeys(r, p);
        int before = r.snapshots.size();
        // Writing the same value again, or a key elsewhere, changes nothing here: no callback.
        ETCD.etcdctl("put", p + "/services/web/domain", "web.example.com");
        ETCD.etcdctl("put", p + "0/elsewhere", "x");
        ETCD.etcdctl("put", p + "/services/web/balance", "leastconn");
        SortedMap<String, String> expected = awaitKeys(r, p);

        assertEquals(before + 1, r.snapshots.size(), "one callback for the one real change: " + r.snapshots);
        assertEquals(new TreeMap<>(Map.of("services/web/domain", "web.example.com",
                "services/web/balance", "leastconn")), expected);
        assertEquals(ETCD.revision(), r.last().revision(), "the revision of the last change");
        r.assertOrdered();
    }

    @Test
    void noGapNoDuplicateWhileTheSourceStartsUnderWrites() throws Exception {
        String p = prefix();
        Client writer = Client.builder().endpoints(ETCD.endpoint()).build();
        toClose.add(writer);
        KV kv = writer.getKVClient();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ops = new AtomicInteger();
        // Each key is put once and some are deleted once later, so a missed or replayed event
        // leaves a visible difference (nothing heals it).
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            for (int i = 0; !stop.get(); i++) {
                kv.put(bytes(p + "/k/" + i), bytes("v" + i)).join();
                if (i % 3 == 2) {
                    kv.delete(bytes(p + "/k/" + (i - 2))).join();
                }
                ops.incrementAndGet();
            }
        });
        Recorder r = new Recorder();
        try {
            Await.until("the writer under way", WAIT, () -> ops.get() >= 20);
            EtcdSource source = source(ETCD, p, r);
            source.start();
            Await.until("first snapshot", WAIT, () -> !r.snapshots.isEmpty(), stateOf(source));
            int atStart = ops.get();
            Await.until("writes after the first snapshot delivered", WAIT,
                    () -> ops.get() >= atStart + 100 && r.snapshots.size() >= 10);
        } finally {
            stop.set(true);
            writing.get();
        }
        SortedMap<String, String> expected = awaitKeys(r, p);
        assertTrue(expected.size() > 20, "the writer wrote: " + expected.size());
        assertEquals(ETCD.revision(), r.last().revision(), "the final snapshot is at etcd's revision");
        r.assertOrdered();
        // A missed or replayed event at the start would show here even when later writes hide it.
        assertEachSnapshotIsEtcdAtItsRevision(writer, p, r);
    }

    @Test
    void aBurstOf500PutsEndsInTheExactContent() {
        String p = prefix();
        Client writer = Client.builder().endpoints(ETCD.endpoint()).build();
        toClose.add(writer);
        Recorder r = new Recorder();
        EtcdSource source = source(ETCD, p, r);
        source.start();
        Await.until("first snapshot", WAIT, () -> !r.snapshots.isEmpty(), stateOf(source));

        List<CompletableFuture<?>> puts = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String key = p + "/services/s" + i + "/port";
            puts.add(writer.getKVClient().put(bytes(key), bytes(Integer.toString(i))));
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();

        SortedMap<String, String> expected = awaitKeys(r, p);
        assertEquals(500, expected.size());
        assertEquals("123", r.last().keys().get("services/s123/port"));
        assertEquals(ETCD.revision(), r.last().revision());
        assertTrue(r.snapshots.size() <= 501, "at most one callback per put: " + r.snapshots.size());
        r.assertOrdered();
        assertEachSnapshotIsEtcdAtItsRevision(writer, p, r);
    }

    @Test
    void etcdStoppedAndRestartedOnTheSameData() {
        EtcdProcess etcd = new EtcdProcess().start();
        toClose.add(etcd);
        String p = prefix();
        etcd.etcdctl("put", p + "/services/a/port", "1");
        etcd.etcdctl("put", p + "/services/c/port", "3");
        Recorder r = new Recorder();
        EtcdSource source = source(etcd, p, r);
        source.start();
        Await.until("first snapshot", WAIT, () -> !r.snapshots.isEmpty(), stateOf(source));
        assertTrue(source.state().connected());
        int reads = source.rangeReads();

        etcd.stop();
        Await.until("disconnected with an error", OUTAGE_WAIT,
                () -> !source.state().connected() && source.state().lastError() != null, stateOf(source));
        Await.until("attempts going on while etcd is away", OUTAGE_WAIT, () -> source.rangeReads() >= reads + 3,
                stateOf(source));
        assertFalse(source.state().connected(), "still disconnected: " + source.state());
        assertEquals(r.last(), source.snapshot(), "the last snapshot stays while etcd is away");

        etcd.start();
        // Whether the source sees these through its new range read or its new watch, the result is the same.
        etcd.etcdctl("del", p + "/services/c/port");
        etcd.etcdctl("put", p + "/services/b/port", "2");
        SortedMap<String, String> expected = awaitKeys(etcd, r, p);
        assertEquals(Map.of("services/a/port", "1", "services/b/port", "2"), expected);
        Await.until("connected again without error", WAIT,
                () -> source.state().connected() && source.state().lastError() == null, stateOf(source));
        assertEquals(etcd.revision(), source.state().revision());
        r.assertOrdered();
    }

    @Test
    void sourceStartedWhileEtcdIsDownConnectsOnceItRuns() {
        EtcdProcess etcd = new EtcdProcess();
        toClose.add(etcd);
        String p = prefix();
        Recorder r = new Recorder();
        EtcdSource source = source(etcd, p, r);
        source.start(); // returns at once although nothing listens
        Await.until("an error while etcd is down", WAIT, () -> source.state().lastError() != null,
                stateOf(source));
        assertFalse(source.state().connected());
        assertNull(source.snapshot());

        etcd.start();
        etcd.etcdctl("put", p + "/tcp-services/db/external_port", "5432");
        Await.until("the key", OUTAGE_WAIT, () -> source.snapshot() != null
                && "5432".equals(source.snapshot().keys().get("tcp-services/db/external_port")),
                stateOf(source));
        Await.until("connected", WAIT, () -> source.state().connected() && source.state().lastError() == null,
                stateOf(source));
    }

    @Test
    void aCompactedWatchRevisionMeansAFullReReadThatDropsDeletedKeys() {
        String p = prefix();
        ETCD.etcdctl("put", p + "/services/gone/port", "1");
        ETCD.etcdctl("put", p + "/services/kept/port", "2");
        AtomicInteger hooks = new AtomicInteger();
        Recorder r = new Recorder();
        // Between the first range read and its watch: delete a key, write another, and compact
        // past the revision the watch will ask for, so that etcd refuses it as compacted.
        EtcdSource source = new EtcdSource(List.of(ETCD.endpointUri()), p, r, () -> {
            if (hooks.incrementAndGet() == 1) {
                ETCD.etcdctl("del", p + "/services/gone/port");
                ETCD.etcdctl("put", p + "/services/new/port", "3");
                ETCD.etcdctl("compact", Long.toString(ETCD.revision()));
            }
        });
        toClose.add(source);
        source.start();
        Await.until("the re-read and its watch", WAIT, () -> hooks.get() == 2, stateOf(source));

        SortedMap<String, String> expected = awaitKeys(r, p);
        assertEquals("1", r.snapshots.get(0).keys().get("services/gone/port"), "first read had the key");
        assertEquals(Set.of("services/kept/port", "services/new/port"), expected.keySet());
        assertEquals(2, source.rangeReads(), "a second full read after the compaction");
        assertEquals(2, hooks.get());
        Await.until("the compaction error cleared", WAIT, () -> source.state().lastError() == null,
                stateOf(source));
        // And the watch from the re-read works.
        ETCD.etcdctl("put", p + "/services/later/port", "4");
        awaitKeys(r, p);
        r.assertOrdered();
    }

    @Test
    void hostNamesAndSeveralEndpointsAsUsersWriteThem() {
        String p = prefix();
        ETCD.etcdctl("put", p + "/services/x/port", "7");
        EtcdProcess down = new EtcdProcess(); // never started: its port refuses connections
        toClose.add(down);
        Recorder r = new Recorder();
        // ETCD_NODE as the confd containers set it: a host name, no scheme; one member is down.
        String text = "localhost:" + down.clientPort() + ", localhost:" + ETCD.clientPort();
        EtcdSource source = new EtcdSource(EtcdEndpoints.parse(text), p, r);
        toClose.add(source);
        source.start();
        Await.until("the key through the live member", WAIT,
                () -> !r.snapshots.isEmpty() && "7".equals(r.last().keys().get("services/x/port")),
                stateOf(source));
        ETCD.etcdctl("put", p + "/services/x/port", "8");
        awaitKeys(r, p);
        assertEquals("etcd http://localhost:" + down.clientPort() + ",http://localhost:" + ETCD.clientPort()
                + " " + p + "/", source.state().name());
    }

    @Test
    void closeStopsEveryThreadPromptly() {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        EtcdSource never = new EtcdSource(List.of(ETCD.endpointUri()), prefix(), s -> { });
        never.close(); // closed before start

        Recorder r = new Recorder();
        EtcdSource connected = new EtcdSource(List.of(ETCD.endpointUri()), prefix(), r);
        connected.start();
        Await.until("first snapshot", WAIT, () -> !r.snapshots.isEmpty(), stateOf(connected));
        // One more, retrying against a port where nothing listens.
        EtcdProcess down = new EtcdProcess();
        toClose.add(down);
        EtcdSource retrying = new EtcdSource(List.of(down.endpointUri()), prefix(), s -> { });
        retrying.start();
        Await.until("a failed attempt", WAIT, () -> retrying.state().lastError() != null, stateOf(retrying));

        connected.close();
        retrying.close();
        // gRPC's shared daemon threads (grpc-nio-worker-ELG, grpc-default-executor) may linger a
        // second; a client's own threads (jetcd-*, vert.x-*) and the source's must be gone.
        Await.until("no thread of the sources left but gRPC's shared daemons", WAIT, () -> newThreads(before)
                .stream().allMatch(t -> t.isDaemon() && !t.getName().matches("(lb-etcd|jetcd|vert\\.x)-.*")),
                () -> newThreads(before).stream().map(t -> t.getName() + (t.isDaemon() ? "(daemon)" : ""))
                        .collect(Collectors.joining(", ")));
        int seen = r.snapshots.size();
        ETCD.etcdctl("put", connected.state().name().split(" ")[2] + "after-close", "x");
        assertEquals(seen, r.snapshots.size(), "no callback after close");
    }

    // ---- helpers ----

    private EtcdSource source(EtcdProcess etcd, String p, Recorder r) {
        EtcdSource s = new EtcdSource(List.of(etcd.endpointUri()), p, r);
        toClose.add(s);
        return s;
    }

    /** Waits until the source's last snapshot equals {@code etcdctl get --prefix}, returns it. */
    private static SortedMap<String, String> awaitKeys(Recorder r, String p) {
        return awaitKeys(ETCD, r, p);
    }

    private static SortedMap<String, String> awaitKeys(EtcdProcess etcd, Recorder r, String p) {
        SortedMap<String, String> expected = etcdGet(etcd, p);
        Await.until("snapshot equal to etcdctl get --prefix " + p + "/: " + expected, WAIT,
                () -> !r.snapshots.isEmpty() && r.last().keys().equals(expected),
                () -> r.snapshots.isEmpty() ? "none" : r.last().toString());
        return expected;
    }

    /** Every snapshot delivered equals what etcd's history holds under the prefix at its revision. */
    private static void assertEachSnapshotIsEtcdAtItsRevision(Client client, String p, Recorder r) {
        for (EtcdSnapshot s : r.snapshots) {
            GetOption at = GetOption.builder().isPrefix(true).withRevision(s.revision()).build();
            SortedMap<String, String> then = new TreeMap<>();
            for (KeyValue kv : client.getKVClient().get(bytes(p + "/"), at).join().getKvs()) {
                then.put(kv.getKey().toString(StandardCharsets.UTF_8).substring(p.length() + 1),
                        kv.getValue().toString(StandardCharsets.UTF_8));
            }
            assertEquals(then, s.keys(), "snapshot at revision " + s.revision());
        }
    }

    /** The keys under {@code p/} as etcdctl reads them (JSON output: values may hold newlines). */
    private static SortedMap<String, String> etcdGet(EtcdProcess etcd, String p) {
        String json = etcd.etcdctl("get", "--prefix", p + "/", "--write-out=json");
        SortedMap<String, String> keys = new TreeMap<>();
        Matcher m = KV.matcher(json);
        while (m.find()) {
            Matcher v = VALUE.matcher(m.group());
            keys.put(decode(m.group(1)).substring(p.length() + 1), v.find() ? decode(v.group(1)) : "");
        }
        return keys;
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static Supplier<String> stateOf(EtcdSource s) {
        return () -> String.valueOf(s.state());
    }

    private static String prefix() {
        return "/haproxy-test-" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet();
    }

    private static List<Thread> newThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t) && t.isAlive())
                .toList();
    }

    /** Records every snapshot and the thread that delivered it. */
    static final class Recorder implements Consumer<EtcdSnapshot> {
        final List<EtcdSnapshot> snapshots = new CopyOnWriteArrayList<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        @Override
        public void accept(EtcdSnapshot s) {
            threads.add(Thread.currentThread().getName());
            snapshots.add(s);
        }

        EtcdSnapshot last() {
            return snapshots.get(snapshots.size() - 1);
        }

        /** One thread, strictly increasing revisions, and each snapshot differs from the one before. */
        void assertOrdered() {
            assertEquals(1, threads.size(), "one delivering thread: " + threads);
            for (int i = 1; i < snapshots.size(); i++) {
                EtcdSnapshot a = snapshots.get(i - 1);
                EtcdSnapshot b = snapshots.get(i);
                assertTrue(b.revision() > a.revision(),
                        "revisions increase: " + a.revision() + " then " + b.revision());
                assertNotEquals(a.keys(), b.keys(), "a callback without a change at " + b.revision());
            }
        }
    }
}
