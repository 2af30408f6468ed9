package dev.lb.discovery.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.DnsTarget;
import dev.lb.core.dns.ResolversSpec;
import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.discovery.SourceState;
import dev.lb.discovery.testing.Dnsmasq;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher against Debian's real dnsmasq on 127.0.0.1. */
class DnsWatcherTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration HOLD = Duration.ofMillis(300);

    @TempDir
    static Path dir;
    static Dnsmasq dns;

    @BeforeAll
    static void startDnsmasq() {
        dns = Dnsmasq.create(dir.resolve("shared"), Map.of(
                "web.test", List.of("127.0.0.2", "127.0.0.3"),
                "change.test", List.of("127.0.0.2", "127.0.0.3"),
                "hold.test", List.of("127.0.0.5"),
                "gone.test", List.of("127.0.0.6"),
                "beat.test", List.of("127.0.0.7"),
                "node-a.node.consul", List.of("127.0.0.2"),
                "node-b.node.consul", List.of("127.0.0.3")))
                .srv("_myapp._tcp.service.consul", "node-a.node.consul", 8081, 1, 10)
                .srv("_myapp._tcp.service.consul", "node-b.node.consul", 8082, 1, 10)
                .srv("_mixed._tcp.service.consul", "node-a.node.consul", 8081, 1, 10)
                .srv("_mixed._tcp.service.consul", "nowhere.node.consul", 9000, 1, 10)
                .start();
    }

    @AfterAll
    static void stopDnsmasq() {
        dns.close();
    }

    private static ResolversSpec spec(String name, InetSocketAddress server, Duration timeout) {
        return new ResolversSpec(name, List.of(server), HOLD, timeout, 2);
    }

    private static DnsWatcher watcher(Dnsmasq server, Runnable onChange) {
        return new DnsWatcher(spec(DnsQuery.DEFAULT, server.address(), Duration.ofMillis(500)), onChange);
    }

    private static DnsQuery q(String name) {
        return new DnsQuery(DnsQuery.DEFAULT, name);
    }

    private static DnsAnswer answer(String... targets) throws UnknownHostException {
        List<DnsTarget> out = new ArrayList<>();
        for (String t : targets) {
            String[] hp = t.split(":");
            out.add(new DnsTarget(InetAddress.getByName(hp[0]), hp.length > 1 ? Integer.parseInt(hp[1]) : 0));
        }
        return new DnsAnswer(out);
    }

    private static void awaitAnswer(DnsWatcher w, DnsQuery q, DnsAnswer expected) {
        Await.until(q + " = " + expected, WAIT, () -> expected.equals(w.lookup(q)),
                () -> "lookup " + w.lookup(q) + ", " + w.state());
    }

    @Test
    void nameWithTwoARecordsAnswersBoth() throws Exception {
        try (DnsWatcher w = watcher(dns, () -> { })) {
            w.want(Set.of(q("web.test")), Map.of());
            w.firstAnswers(Set.of(q("web.test")), WAIT).get(20, TimeUnit.SECONDS);
            assertEquals(answer("127.0.0.2", "127.0.0.3"), w.lookup(q("Web.Test.")));
            SourceState s = w.state();
            assertEquals("dns " + dns.address().getHostString() + ":" + dns.address().getPort(), s.name());
            assertTrue(s.connected(), s.toString());
            assertEquals(1, s.revision(), s.toString());
            assertNull(s.lastError(), s.toString());
        }
    }

    @Test
    void changedRecordsChangeTheAnswerAndCallOnChangeOnlyOnRealChange() throws Exception {
        AtomicInteger changes = new AtomicInteger();
        try (DnsWatcher w = watcher(dns, changes::incrementAndGet)) {
            DnsQuery change = q("change.test");
            w.want(Set.of(change), Map.of());
            awaitAnswer(w, change, answer("127.0.0.2", "127.0.0.3"));
            assertEquals(1, changes.get(), "the first answer is a change");

            // the same records in another order: dnsmasq is asked again, nothing changes
            Map<String, List<String>> hosts = new TreeMap<>(Map.of(
                    "change.test", List.of("127.0.0.3", "127.0.0.2")));
            dns.hosts(withOthers(hosts));
            int asked = dns.queries("A", "change.test");
            Await.until("two more resolutions of change.test", WAIT,
                    () -> dns.queries("A", "change.test") >= asked + 2);
            assertEquals(1, changes.get(), "reordered records are no change");

            dns.hosts(withOthers(Map.of("change.test", List.of("127.0.0.4"))));
            awaitAnswer(w, change, answer("127.0.0.4"));
            Await.until("onChange called", WAIT, () -> changes.get() == 2, () -> "calls " + changes.get());
            assertEquals(2, w.state().revision());
            assertNotNull(w.state().lastChange());
        } finally {
            dns.hosts(withOthers(Map.of("change.test", List.of("127.0.0.2", "127.0.0.3"))));
        }
    }

    /** The shared server's other names, unchanged, plus these. */
    private static Map<String, List<String>> withOthers(Map<String, List<String>> hosts) {
        Map<String, List<String>> all = new TreeMap<>(Map.of(
                "web.test", List.of("127.0.0.2", "127.0.0.3"),
                "hold.test", List.of("127.0.0.5"),
                "gone.test", List.of("127.0.0.6"),
                "beat.test", List.of("127.0.0.7"),
                "node-a.node.consul", List.of("127.0.0.2"),
                "node-b.node.consul", List.of("127.0.0.3")));
        all.putAll(hosts);
        return all;
    }

    @Test
    void srvNameGivesTargetsWithTheirPorts() throws Exception {
        try (DnsWatcher w = watcher(dns, () -> { })) {
            DnsQuery srv = q("_myapp._tcp.service.consul");
            w.want(Set.of(srv), Map.of());
            w.firstAnswers(Set.of(srv), WAIT).get(20, TimeUnit.SECONDS);
            assertEquals(answer("127.0.0.2:8081", "127.0.0.3:8082"), w.lookup(srv), w.state().toString());
            assertEquals(0, dns.queries("A", "node-a.node.consul"),
                    "the targets' addresses came in the additional section; " + dns.log());
        }
    }

    @Test
    void srvTargetWithoutAdditionalRecordsIsResolvedItself() throws Exception {
        try (DnsWatcher w = watcher(dns, () -> { })) {
            DnsQuery srv = q("_mixed._tcp.service.consul");
            w.want(Set.of(srv), Map.of());
            w.firstAnswers(Set.of(srv), WAIT).get(20, TimeUnit.SECONDS);
            // nowhere.node.consul has no address: dnsmasq sends none, the watcher asks, gets NXDOMAIN
            assertEquals(answer("127.0.0.2:8081"), w.lookup(srv), w.state().toString());
            assertTrue(dns.queries("A", "nowhere.node.consul") >= 1, "the target was asked for; " + dns.log());
            assertNull(w.state().lastError());
        }
    }

    @Test
    void stoppedServerKeepsTheLastAnswerAndRecovers() throws Exception {
        try (Dnsmasq own = Dnsmasq.create(dir.resolve("own"), Map.of("down.test", List.of("127.0.0.8")))
                .start();
                DnsWatcher w = new DnsWatcher(spec(DnsQuery.DEFAULT, own.address(), Duration.ofMillis(200)),
                        () -> { })) {
            DnsQuery down = q("down.test");
            w.want(Set.of(down), Map.of());
            awaitAnswer(w, down, answer("127.0.0.8"));

            own.stop();
            Await.until("the timeout reported", WAIT, () -> w.state().lastError() != null,
                    () -> w.state().toString());
            SourceState s = w.state();
            assertTrue(s.lastError().contains("down.test: timeout after 2 attempts"), s.toString());
            assertFalse(s.connected(), s.toString());
            assertEquals(answer("127.0.0.8"), w.lookup(down), "the last good answer is kept");

            own.hosts(Map.of("down.test", List.of("127.0.0.9")));
            own.start();
            awaitAnswer(w, down, answer("127.0.0.9"));
            Await.until("the error cleared", WAIT, () -> w.state().lastError() == null && w.state().connected(),
                    () -> w.state().toString());
        }
    }

    @Test
    void holdValidIsTheFloorOfTheResolveInterval() throws Exception {
        try (DnsWatcher w = watcher(dns, () -> { })) {
            DnsQuery hold = q("hold.test");
            w.want(Set.of(hold), Map.of());
            awaitAnswer(w, hold, answer("127.0.0.5"));
            int before = dns.queries("A", "hold.test");
            long start = System.nanoTime();
            // dnsmasq's local records have TTL 0: only hold valid (300 ms) spaces the queries
            Await.until("a window of 2 s with queries in it", WAIT, () -> System.nanoTime() - start
                    >= TimeUnit.SECONDS.toNanos(2) && dns.queries("A", "hold.test") >= before + 2);
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            int count = dns.queries("A", "hold.test") - before;
            // at most one query per hold interval, plus one in flight at each end of the window and
            // one of slack for a query dnsmasq logged late; with no floor there would be ~20
            long bound = elapsedMs / HOLD.toMillis() + 3;
            assertTrue(count <= bound, count + " A queries in " + elapsedMs + " ms; at most " + bound
                    + " expected with hold valid " + HOLD);
            int aaaa = dns.queries("AAAA", "hold.test");
            assertTrue(aaaa >= 1, "AAAA asked too");
        }
    }

    @Test
    void aTtlLongerThanHoldValidSpacesTheQueries() throws Exception {
        try (Dnsmasq own = Dnsmasq.create(dir.resolve("ttl"), Map.of("ttl.test", List.of("127.0.0.8"))).ttl(1)
                .start(); DnsWatcher w = watcher(own, () -> { })) {
            DnsQuery ttl = q("ttl.test");
            w.want(Set.of(ttl), Map.of());
            awaitAnswer(w, ttl, answer("127.0.0.8"));
            int before = own.queries("A", "ttl.test");
            long start = System.nanoTime();
            Await.until("a window of 2.5 s with a re-resolution in it", WAIT, () -> System.nanoTime() - start
                    >= TimeUnit.MILLISECONDS.toNanos(2500) && own.queries("A", "ttl.test") >= before + 1);
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            int count = own.queries("A", "ttl.test") - before;
            // TTL 1 s: one query a second at most (plus the window's ends), not one per 300 ms hold
            long bound = elapsedMs / 1000 + 3;
            assertTrue(count <= bound,
                    count + " A queries in " + elapsedMs + " ms with TTL 1 s; at most " + bound);
        }
    }

    @Test
    void closeReleasesTheEventLoop() throws Exception {
        DnsWatcher w = watcher(dns, () -> { });
        w.want(Set.of(q("web.test")), Map.of());
        w.firstAnswers(Set.of(q("web.test")), WAIT).get(20, TimeUnit.SECONDS);
        assertTrue(dnsThreads() > 0, "the watcher runs its own thread");
        w.close();
        Await.until("no lb-dns thread left", WAIT, () -> dnsThreads() == 0);
        assertNull(w.lookup(q("web.test")), "a closed watcher forgets its answers");
        w.firstAnswers(Set.of(q("web.test")), WAIT).get(1, TimeUnit.SECONDS);
    }

    private static long dnsThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("lb-dns")).count();
    }

    @Test
    void nameRemovedFromWantIsNoLongerQueried() throws Exception {
        try (DnsWatcher w = watcher(dns, () -> { })) {
            DnsQuery gone = q("gone.test");
            DnsQuery beat = q("beat.test");
            w.want(Set.of(gone, beat), Map.of());
            awaitAnswer(w, gone, answer("127.0.0.6"));
            w.want(Set.of(beat), Map.of());
            // once beat.test was asked twice more, no query of gone.test can still be on its way
            int beats = dns.queries("A", "beat.test");
            Await.until("beat.test asked twice", WAIT, () -> dns.queries("A", "beat.test") >= beats + 2);
            int asked = dns.queries("A", "gone.test");
            int beats2 = dns.queries("A", "beat.test");
            Await.until("beat.test asked three times more", WAIT,
                    () -> dns.queries("A", "beat.test") >= beats2 + 3);
            assertEquals(asked, dns.queries("A", "gone.test"), "gone.test is still queried");
            assertNull(w.lookup(gone), "a name no longer wanted has no answer");
            assertEquals(answer("127.0.0.7"), w.lookup(beat));
        }
    }

    @Test
    void firstAnswersCompletesForGoodAndBadNames() throws Exception {
        int deadPort = FreePort.on("127.0.0.1"); // nothing answers there: every query times out
        ResolversSpec dead = spec("dead", new InetSocketAddress("127.0.0.1", deadPort), Duration.ofMillis(200));
        ResolversSpec slow = spec("slow", new InetSocketAddress("127.0.0.1", deadPort), Duration.ofSeconds(60));
        try (DnsWatcher w = watcher(dns, () -> { })) {
            DnsQuery good = q("web.test");
            DnsQuery missing = q("missing.test");
            DnsQuery timesOut = new DnsQuery("dead", "web.test");
            DnsQuery never = new DnsQuery("slow", "web.test");
            DnsQuery unknown = new DnsQuery("nope", "web.test");
            w.want(Set.of(good, missing, timesOut, never, unknown), Map.of("dead", dead, "slow", slow));

            w.firstAnswers(Set.of(good, missing, timesOut, unknown), Duration.ofSeconds(60))
                    .get(20, TimeUnit.SECONDS);
            assertEquals(answer("127.0.0.2", "127.0.0.3"), w.lookup(good));
            assertEquals(answer(), w.lookup(missing), "NXDOMAIN is an empty answer");
            assertNull(w.lookup(timesOut), "no answer from a dead server");
            assertNull(w.lookup(unknown), "no answer from an unknown section");

            // a server that never answers within its 60 s timeout: the limit ends the wait
            CompletableFuture<Void> limited = w.firstAnswers(Set.of(never), Duration.ofMillis(200));
            limited.get(20, TimeUnit.SECONDS);
            assertNull(w.lookup(never));
        }
    }

    @Test
    void unknownSectionGivesNoAnswerAndAnError() throws Exception {
        try (DnsWatcher w = watcher(dns, () -> { })) {
            DnsQuery unknown = new DnsQuery("nope", "web.test");
            w.want(Set.of(unknown), Map.of());
            w.firstAnswers(Set.of(unknown), WAIT).get(20, TimeUnit.SECONDS);
            assertNull(w.lookup(unknown));
            assertEquals("web.test: no resolvers section named 'nope'", w.state().lastError());
        }
    }

    @Test
    void changedSectionTakesEffect() throws Exception {
        try (Dnsmasq other = Dnsmasq.create(dir.resolve("other"), Map.of("web.test", List.of("127.0.0.9")))
                .start();
                DnsWatcher w = watcher(dns, () -> { })) {
            DnsQuery viaSection = new DnsQuery("consul", "web.test");
            w.want(Set.of(viaSection), Map.of("consul", spec("consul", dns.address(), Duration.ofMillis(500))));
            awaitAnswer(w, viaSection, answer("127.0.0.2", "127.0.0.3"));
            // the same section name, now pointing at another server
            w.want(Set.of(viaSection),
                    Map.of("consul", spec("consul", other.address(), Duration.ofMillis(500))));
            awaitAnswer(w, viaSection, answer("127.0.0.9"));
        }
    }

    @Test
    void ipLiteralsNeedNoDns() {
        try (DnsWatcher w = watcher(dns, () -> { })) {
            assertEquals(new DnsAnswer(List.of(new DnsTarget(InetAddress.getLoopbackAddress(), 0))),
                    w.lookup(q("127.0.0.1")));
        }
    }
}
