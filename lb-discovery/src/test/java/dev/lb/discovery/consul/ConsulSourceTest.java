package dev.lb.discovery.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.discovery.SourceState;
import dev.lb.discovery.testing.ConsulFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Consul source against the Consul fixture: blocking queries, health, tags, KV, outages. */
class ConsulSourceTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private ConsulFixture consul;
    private ConsulSource source;
    private final List<ConsulSnapshot> emitted = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startConsul() {
        consul = new ConsulFixture().start();
    }

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        consul.close();
    }

    @Test
    void initialReadHasPassingInstancesTagsAndKv() {
        consul.kvPut("service/other/key", "ignored");
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, "urlprefix-/web");
        consul.register("node-b", "127.0.0.3", "web-2", "web", "127.0.0.9", 8081, "urlprefix-/web", "v2");
        consul.register("node-b", "127.0.0.3", "api-1", "api", "", 9090);
        consul.kvPut("service/haproxy/maxconn", "2048");
        consul.kvPut("service/haproxy/timeouts/connect", "5s");

        ConsulSnapshot s = start(Optional.empty(), snap -> snap.services().size() == 2);
        assertEquals(List.of("api", "web"), List.copyOf(s.services().keySet()),
                "the consul service is left out");
        ConsulSnapshot.Service web = s.services().get("web");
        assertEquals(List.of("urlprefix-/web", "v2"), web.tags());
        assertEquals(List.of(
                new ConsulSnapshot.Instance("web-1", "node-a", "127.0.0.2", 8080, List.of("urlprefix-/web")),
                new ConsulSnapshot.Instance("web-2", "node-b", "127.0.0.9", 8081,
                        List.of("urlprefix-/web", "v2"))),
                web.passing(), "ServiceAddress when set, else the node's Address");
        assertEquals(Map.of("maxconn", "2048", "timeouts/connect", "5s"), s.kv());
        assertEquals(consul.index(), s.index());
        SourceState st = source.state();
        assertTrue(st.connected());
        assertNull(st.lastError());
        assertEquals(s.index(), st.revision());
        assertEquals("consul " + consul.address(), st.name());
        assertNotNull(st.lastChange());
        assertEquals(1, emitted.size(), "one snapshot for the first complete read");
    }

    @Test
    void registerDeregisterAndTagChanges() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, "urlprefix-/web");
        start(Optional.empty(), snap -> snap.services().containsKey("web"));

        consul.register("node-b", "127.0.0.3", "web-2", "web", "", 8081, "urlprefix-/web");
        await("web-2 registered", snap -> ids(snap, "web").equals(List.of("web-1", "web-2")));

        consul.register("node-b", "127.0.0.3", "web-2", "web", "", 8081, "urlprefix-/web", "urlprefix-/v2");
        // The catalog's tags and the instance's come from two queries, which may answer a few ms
        // apart (more than the 5 ms settle on a busy machine): wait for both.
        ConsulSnapshot tagged = await("web-2 retagged", snap -> snap.services().get("web").tags()
                .contains("urlprefix-/v2") && snap.services().get("web").passing().get(1).tags().size() == 2);
        assertEquals(List.of("urlprefix-/web", "urlprefix-/v2"),
                tagged.services().get("web").passing().get(1).tags());

        consul.deregister("node-a", "web-1");
        await("web-1 deregistered", snap -> ids(snap, "web").equals(List.of("web-2")));
        consul.deregister("node-b", "web-2");
        await("web gone with its last instance", snap -> !snap.services().containsKey("web"));

        consul.register("node-c", "127.0.0.4", "api-1", "api", "", 9090);
        await("a new service", snap -> ids(snap, "api").equals(List.of("api-1")));
    }

    @Test
    void healthFlipsRemoveAndRestoreInstances() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, List.of(), "passing");
        consul.register("node-b", "127.0.0.3", "web-2", "web", "", 8081, List.of(), "passing");
        start(Optional.empty(), snap -> ids(snap, "web").size() == 2);

        consul.setCheck("node-a", "web-1", "critical");
        await("web-1 critical", snap -> ids(snap, "web").equals(List.of("web-2")));
        consul.setNodeCheck("node-b", "critical");
        ConsulSnapshot none = await("node-b failing", snap -> ids(snap, "web").isEmpty());
        assertTrue(none.services().containsKey("web"), "the service stays listed, with no passing instance");

        consul.setCheck("node-a", "web-1", "warning");
        consul.setNodeCheck("node-b", "passing");
        await("web-2 back", snap -> ids(snap, "web").equals(List.of("web-2")));
        consul.setCheck("node-a", "web-1", "passing");
        await("web-1 back", snap -> ids(snap, "web").equals(List.of("web-1", "web-2")));
    }

    @Test
    void idleWatchesParkInsteadOfPolling() throws Exception {
        for (int i = 0; i < 5; i++) {
            consul.register("node-a", "127.0.0.2", "svc" + i + "-1", "svc" + i, "", 8000 + i);
        }
        start(Optional.empty(), snap -> snap.services().size() == 5);
        // catalog + KV + 5 services, each parked on a blocking query
        Await.until("7 parked queries", TIMEOUT, () -> consul.parked() == 7, () -> "parked " + consul.parked());
        int before = consul.requestLog().size();
        Thread.sleep(1000); // the measurement window, not a synchronisation
        int during = consul.requestLog().size() - before;
        assertTrue(during <= 1, "requests over an idle second: " + during);
        assertEquals(7, consul.parked());

        consul.register("node-a", "127.0.0.2", "svc3-2", "svc3", "", 8100);
        await("the blocking query woke", snap -> ids(snap, "svc3").size() == 2);
        List<String> log = consul.requestLog();
        assertTrue(log.stream().anyMatch(r -> r.startsWith("GET /v1/health/service/svc3?")
                && r.contains("index=") && r.contains("wait=60s")), log::toString);
    }

    @Test
    void threeHundredServicesAreWatchedOneQueryEachBelowTheThreshold() {
        consul.batch(() -> {
            for (int i = 0; i < 300; i++) {
                String node = "node-" + (i % 10);
                consul.register(node, "127.0.1." + (i % 10), "s" + i + "-1", "s" + i, "", 8000 + i);
            }
        });
        start(Optional.empty(), 300, snap -> snap.services().size() == 300);
        Await.until("302 parked queries (catalog, KV, one per service)", TIMEOUT, () -> consul.parked() == 302,
                () -> "parked " + consul.parked());
        int before = emitted.size();
        consul.register("node-0", "127.0.1.0", "s7-2", "s7", "", 9007);
        await("s7's new instance", snap -> ids(snap, "s7").size() == 2);
        assertEquals(before + 1, emitted.size());
    }

    @Test
    void threeHundredServicesWithinConsulsConnectionLimitWatchingTheTables() {
        consul.close();
        consul = new ConsulFixture().maxConnections(200).start();
        consul.batch(() -> {
            for (int i = 0; i < 300; i++) {
                String node = "node-" + (i % 10);
                consul.register(node, "127.0.1." + (i % 10), "s" + i + "-1", "s" + i, "", 8000 + i, List.of(),
                        "passing");
            }
        });
        start(Optional.empty(), snap -> snap.services().size() == 300 && ids(snap, "s9").size() == 1);

        consul.register("node-0", "127.0.1.0", "s7-2", "s7", "", 9007);
        await("s7's new instance (a registration without a check)", snap -> ids(snap, "s7").size() == 2);
        long s10 = consul.requests("/v1/health/service/s10");
        long s9 = consul.requests("/v1/health/service/s9");
        consul.setCheck("node-9", "s9-1", "critical");
        await("s9's instance failing", snap -> ids(snap, "s9").isEmpty());
        assertEquals(s9 + 1, consul.requests("/v1/health/service/s9"), "s9 read again once");
        assertEquals(s10, consul.requests("/v1/health/service/s10"), "a check change reads only its service");
        consul.setNodeCheck("node-3", "critical");
        await("node-3's services failing", snap -> ids(snap, "s3").isEmpty() && ids(snap, "s293").isEmpty()
                && ids(snap, "s4").size() == 1);
        consul.setCheck("node-9", "s9-1", "passing");
        await("s9's instance back", snap -> ids(snap, "s9").size() == 1);

        assertEquals(0, consul.refusedConnections(), "no connection refused");
        assertTrue(consul.peakConnections() <= ConsulSource.READERS + 3,
                "at most " + (ConsulSource.READERS + 3) + " connections, was " + consul.peakConnections());
        assertEquals(0, consul.requestLog().stream().filter(r -> r.startsWith("GET /v1/health/service/")
                && r.contains("index=")).count(), "no blocking query per service");
        assertTrue(emitted.stream().allMatch(e -> e.services().size() == 300), "never a partial snapshot");
    }

    @Test
    void bothWaysGiveTheSameSnapshots() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, List.of("lb", "v1"), "passing");
        consul.register("node-b", "127.0.0.3", "web-2", "web", "127.0.0.9", 8081, List.of("lb"), null);
        consul.register("node-b", "127.0.0.3", "api-1", "api", "", 9090, List.of("lb"), "passing");
        consul.register("node-b", "127.0.0.3", "db-1", "db", "", 5432); // not tagged lb
        consul.kvPut("service/haproxy/maxconn", "10");
        List<ConsulSnapshot> tables = new CopyOnWriteArrayList<>();
        ConsulSource other = new ConsulSource(consul.address(), Optional.of("lb"), tables::add, 0);
        try {
            other.start();
            start(Optional.of("lb"), 1000, snap -> snap.services().size() == 2);
            List<Runnable> steps = List.of(
                    () -> consul.setCheck("node-a", "web-1", "critical"),
                    () -> consul.setNodeCheck("node-b", "critical"),
                    () -> consul.setNodeCheck("node-b", "passing"),
                    () -> consul.register("node-c", "127.0.0.4", "web-3", "web", "", 8082, "lb", "v3"),
                    () -> consul.register("node-b", "127.0.0.3", "db-1", "db", "", 5432, "lb"),
                    () -> consul.setCheck("node-a", "web-1", "passing"),
                    () -> consul.deregister("node-b", "api-1"),
                    () -> consul.kvPut("service/haproxy/maxconn", "20"));
            for (int i = 0; i < steps.size(); i++) {
                long before = consul.index();
                steps.get(i).run();
                int step = i;
                Await.until("both sources agree after step " + i, TIMEOUT, () -> {
                    ConsulSnapshot a = source.snapshot();
                    ConsulSnapshot b = other.snapshot();
                    return b != null && a.index() > before && b.index() > before
                            && a.services().equals(b.services()) && a.kv().equals(b.kv());
                }, () -> "step " + step + ": " + source.snapshot() + " / " + other.snapshot());
            }
            ConsulSnapshot last = other.snapshot();
            assertEquals(List.of("db", "web"), List.copyOf(last.services().keySet()));
            assertEquals(List.of("web-1", "web-2", "web-3"), ids(last, "web"));
            assertEquals(Map.of("maxconn", "20"), last.kv());
            assertTrue(consul.requests("/v1/health/state/any") > 0, "the other source watched the checks");
        } finally {
            other.close();
        }
    }

    @Test
    void crossingTheThresholdSwitchesWaysWithoutAPartialSnapshot() {
        for (int i = 0; i < 3; i++) {
            consul.register("node-a", "127.0.0.2", "s" + i + "-1", "s" + i, "", 8000 + i);
        }
        start(Optional.empty(), 4, snap -> snap.services().size() == 3);
        int sessions = source.sessions();
        consul.batch(() -> {
            for (int i = 3; i < 6; i++) {
                consul.register("node-a", "127.0.0.2", "s" + i + "-1", "s" + i, "", 8000 + i);
            }
        });
        await("six services, read watching the tables", snap -> snap.services().size() == 6);
        assertEquals(sessions + 1, source.sessions(), "one new session for the other way");
        assertTrue(consul.requests("/v1/health/state/any") > 0);
        consul.setNodeCheck("node-a", "critical");
        await("every instance failing", snap -> snap.services().values().stream()
                .allMatch(svc -> svc.passing().isEmpty()));
        consul.setNodeCheck("node-a", "passing");
        await("every instance back", snap -> snap.services().values().stream()
                .allMatch(svc -> svc.passing().size() == 1));
        for (int i = 3; i < 6; i++) {
            consul.deregister("node-a", "s" + i + "-1");
        }
        await("three services, one query each again", snap -> snap.services().size() == 3);
        Await.until("the session after the second switch", TIMEOUT, () -> source.sessions() == sessions + 2);
        int mark = consul.requestLog().size();
        consul.register("node-a", "127.0.0.2", "s0-2", "s0", "", 9000);
        await("s0's second instance", snap -> ids(snap, "s0").size() == 2);
        Await.until("s0 followed by its own blocking query again", TIMEOUT, () -> consul.requestLog()
                .subList(mark, consul.requestLog().size()).stream()
                .anyMatch(r -> r.startsWith("GET /v1/health/service/s0?") && r.contains("index=")));
        for (ConsulSnapshot e : emitted) {
            for (ConsulSnapshot.Service svc : e.services().values()) {
                boolean allFailing = e.services().values().stream().allMatch(x -> x.passing().isEmpty());
                assertTrue(allFailing || !svc.passing().isEmpty(), "partial snapshot " + e);
            }
            assertTrue(e.services().keySet().containsAll(List.of("s0", "s1", "s2")), "partial snapshot " + e);
        }
    }

    @Test
    void burstOfRegistrationsIsCoalesced() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        start(Optional.empty(), snap -> snap.services().containsKey("web"));
        int before = emitted.size();
        consul.batch(() -> {
            for (int i = 2; i <= 11; i++) {
                consul.register("node-" + i, "127.0.0." + i, "web-" + i, "web", "", 8080);
            }
        });
        await("10 more instances", snap -> ids(snap, "web").size() == 11);
        consul.batch(() -> {
            for (int i = 0; i < 10; i++) {
                consul.register("node-a", "127.0.0.2", "new" + i, "new" + i, "", 9000 + i);
            }
        });
        await("10 new services", snap -> snap.services().size() == 11);
        assertEquals(before + 2, emitted.size(), "one snapshot per burst");
    }

    @Test
    void restartWithALowerIndexIsReadAgain() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        for (int i = 0; i < 20; i++) {
            consul.kvPut("service/haproxy/k", Integer.toString(i)); // raise the index
        }
        ConsulSnapshot first = start(Optional.empty(), snap -> snap.services().containsKey("web"));
        int sessions = source.sessions();

        consul.restart(true, 2);
        consul.register("node-a", "127.0.0.2", "web-2", "web", "", 8081);
        ConsulSnapshot after = await("web-2 after the restart", snap -> ids(snap, "web").size() == 2);
        assertTrue(after.index() < first.index(), "index " + after.index() + " after " + first.index());
        assertTrue(source.sessions() > sessions, "read again after the restart");

        consul.deregister("node-a", "web-1");
        await("changes keep arriving", snap -> ids(snap, "web").equals(List.of("web-2")));
    }

    @Test
    void consulDownKeepsTheLastSnapshotAndCatchesUp() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        ConsulSnapshot last = start(Optional.empty(), snap -> snap.services().containsKey("web"));
        int count = emitted.size();

        consul.stop();
        Await.until("state disconnected", TIMEOUT, () -> !source.state().connected());
        assertNotNull(source.state().lastError());
        // changes made while Consul's API is down (as if made on another server)
        consul.register("node-b", "127.0.0.3", "web-2", "web", "", 8081);
        consul.kvPut("service/haproxy/maxconn", "10");
        Await.until("a few reconnect attempts", TIMEOUT, () -> source.sessions() >= 3);
        assertSame(last, source.snapshot(), "the last snapshot is kept");
        assertEquals(count, emitted.size(), "nothing emitted while down");
        assertFalse(source.state().connected());

        consul.start();
        ConsulSnapshot back = await("caught up", snap -> ids(snap, "web").size() == 2);
        assertEquals(Map.of("maxconn", "10"), back.kv());
        Await.until("connected", TIMEOUT, () -> source.state().connected());
        assertNull(source.state().lastError());
        assertTrue(emitted.stream().noneMatch(snap -> snap.services().isEmpty()), "never an empty table");
    }

    @Test
    void aclTokenTravelsInTheHeaderOfEveryRequestBothWays() {
        consul.requireToken("acl-7c1f-token");
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, "urlprefix-/web");
        consul.kvPut("service/haproxy/maxconn", "64");
        for (int threshold : new int[] {ConsulSource.MAX_SERVICE_WATCHES, 0}) { // per service, then tables
            source = new ConsulSource(consul.address(), Optional.empty(), Optional.of(" acl-7c1f-token "),
                    emitted::add, threshold);
            source.start();
            await("the first snapshot", snap -> ids(snap, "web").equals(List.of("web-1")));
            consul.register("node-b", "127.0.0.3", "web-2", "web", "", 8081, "urlprefix-/web");
            ConsulSnapshot s = await("web-2", snap -> ids(snap, "web").size() == 2);
            assertEquals(Map.of("maxconn", "64"), s.kv());
            assertNull(source.state().lastError());
            source.close();
            consul.deregister("node-b", "web-2");
        }
        assertTrue(consul.requests("/v1/health/state/any") > 0, "the tables way was taken too");
        Map<String, Long> how = consul.tokenRequests();
        assertEquals(Set.of("header"), how.keySet(), how.toString());
        assertTrue(consul.requestLog().stream().noneMatch(r -> r.contains("acl-7c1f")),
                "never in a URL: " + consul.requestLog());
    }

    @Test
    void noTokenAgainstAclsIs403WithAHintAndNoSnapshot() {
        consul.requireToken("acl-7c1f-token");
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        source = new ConsulSource(consul.address(), Optional.empty(), emitted::add);
        source.start();
        Await.until("a few attempts, backing off", TIMEOUT, () -> source.sessions() >= 3,
                () -> source.state().toString());
        SourceState st = source.state();
        assertFalse(st.connected());
        assertTrue(st.lastError().contains("HTTP 403: Permission denied (no ACL token is set: set "
                + "lb.consul.token / CONSUL_HTTP_TOKEN"), st.lastError());
        assertNull(source.snapshot());
        assertTrue(emitted.isEmpty(), "no snapshot from a denied read");

        consul.requireToken(null); // the operator relaxed the policy: the source reads at its next attempt
        await("read once allowed", snap -> ids(snap, "web").equals(List.of("web-1")));
        Await.until("connected", TIMEOUT, () -> source.state().connected());
        assertNull(source.state().lastError());
    }

    @Test
    void aRevokedTokenKeepsTheLastSnapshotAndSaysWhy() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        source = new ConsulSource(consul.address(), Optional.empty(), Optional.of("old-9d2e-token"),
                emitted::add);
        source.start();
        ConsulSnapshot last = await("the first snapshot", snap -> snap.services().containsKey("web"));
        int count = emitted.size();

        // The token is revoked (Consul: "ACL not found"). Queries parked before that were admitted
        // with it and would answer the next change, so end them first, as an agent restart does.
        consul.stop();
        consul.requireToken("new-5a3b-token");
        consul.start();
        consul.register("node-b", "127.0.0.3", "web-2", "web", "", 8081); // a change lb must not see
        Await.until("denied", TIMEOUT, () -> source.state().lastError() != null,
                () -> source.state().toString());
        Await.until("a few attempts, backing off", TIMEOUT, () -> source.sessions() >= 3);
        String error = source.state().lastError();
        assertTrue(error.contains("HTTP 403: ACL not found (is the token in lb.consul.token / "
                + "CONSUL_HTTP_TOKEN valid and allowed to read the catalog, health and service/haproxy/ KV?)"),
                error);
        assertFalse(error.contains("9d2e") || source.state().toString().contains("9d2e"),
                "the token is secret");
        assertSame(last, source.snapshot(), "the last snapshot is kept");
        assertEquals(count, emitted.size());
        assertFalse(source.state().connected());
    }

    @Test
    void aTokenThatCannotBeAHeaderIsRefusedWithoutEchoingIt() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new ConsulSource(consul.address(), Optional.empty(),
                        Optional.of("abc\r\nX-Evil: 1"), emitted::add));
        assertFalse(e.getMessage().contains("Evil"), e.getMessage());
        assertTrue(ConsulSource.validToken("b1946ac9-2d05-4b6e-a6f0-1c5d6c8a8e07"));
        assertFalse(ConsulSource.validToken("a b"));
    }

    @Test
    void tagFilterSelectsServicesAndInstances() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, "lb", "urlprefix-/web");
        consul.register("node-b", "127.0.0.3", "web-2", "web", "", 8081, "urlprefix-/web");
        consul.register("node-a", "127.0.0.2", "api-1", "api", "", 9090, "urlprefix-/api");
        ConsulSnapshot s = start(Optional.of("lb"), snap -> snap.services().containsKey("web"));
        assertEquals(List.of("web"), List.copyOf(s.services().keySet()));
        assertEquals(List.of("web-1"), ids(s, "web"), "instances must carry the tag too");
        assertEquals("consul " + consul.address() + " tag lb", source.state().name());

        consul.register("node-a", "127.0.0.2", "api-1", "api", "", 9090, "urlprefix-/api", "lb");
        await("api tagged", snap -> ids(snap, "api").equals(List.of("api-1")));
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, "urlprefix-/web");
        await("web untagged", snap -> !snap.services().containsKey("web"));
    }

    @Test
    void kvKeysFollowPutsAndDeletes() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        ConsulSnapshot s = start(Optional.empty(), snap -> true);
        assertEquals(Map.of(), s.kv(), "no keys: Consul's 404");
        consul.kvPut("service/haproxy/timeouts/server", "30s");
        await("key put", snap -> snap.kv().equals(Map.of("timeouts/server", "30s")));
        consul.kvPut("service/haproxy/timeouts/server", "45s");
        await("key changed", snap -> snap.kv().equals(Map.of("timeouts/server", "45s")));
        consul.kvDelete("service/haproxy/timeouts/server");
        await("key deleted", snap -> snap.kv().isEmpty());
    }

    @Test
    void closeLeavesNoThread() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        start(Optional.empty(), snap -> snap.services().containsKey("web"));
        Await.until("3 parked queries", TIMEOUT, () -> consul.parked() == 3);
        String prefix = "lb-consul-";
        long t0 = System.nanoTime();
        source.close();
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(),
                "close aborted the parked queries instead of waiting for their 60 s");
        Await.until("no lb-consul thread left", TIMEOUT, () -> consulThreads(prefix).isEmpty(),
                () -> consulThreads(prefix).toString());
    }

    @Test
    void closeFromTheConsumerEndsTheSourceToo() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        AtomicReference<ConsulSource> self = new AtomicReference<>();
        source = new ConsulSource(consul.address(), Optional.empty(), snap -> {
            emitted.add(snap);
            self.get().close();
        });
        self.set(source);
        source.start();
        Await.until("the first snapshot", TIMEOUT, () -> emitted.size() == 1);
        Await.until("no lb-consul thread left", TIMEOUT, () -> consulThreads("lb-consul-").isEmpty(),
                () -> consulThreads("lb-consul-").toString());
    }

    private ConsulSnapshot start(Optional<String> tag, Predicate<ConsulSnapshot> ready) {
        return start(tag, ConsulSource.MAX_SERVICE_WATCHES, ready);
    }

    private ConsulSnapshot start(Optional<String> tag, int maxServiceWatches, Predicate<ConsulSnapshot> ready) {
        source = new ConsulSource(consul.address(), tag, emitted::add, maxServiceWatches);
        source.start();
        return await("the first snapshot", ready);
    }

    private ConsulSnapshot await(String what, Predicate<ConsulSnapshot> condition) {
        Await.until(what, TIMEOUT, () -> {
            ConsulSnapshot s = source.snapshot();
            return s != null && condition.test(s);
        }, () -> source.snapshot() + " " + source.state());
        return source.snapshot();
    }

    private static List<String> ids(ConsulSnapshot s, String service) {
        ConsulSnapshot.Service svc = s.services().get(service);
        return svc == null ? List.of() : svc.passing().stream().map(ConsulSnapshot.Instance::id).toList();
    }

    private static List<String> consulThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).collect(Collectors.toList());
    }
}
