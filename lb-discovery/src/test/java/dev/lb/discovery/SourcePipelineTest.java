package dev.lb.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.ConfigText;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.TableRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Files and source parts compiled as one; a bad input never holds the others back. */
class SourcePipelineTest {

    private static final String FILE = """
            frontend files
                mode http
                bind 127.0.0.1:18001
                default_backend f
            backend f
                mode http
                server s1 127.0.0.2:80
            """;

    private static String part(String server) {
        return """
                frontend etcd
                    mode http
                    bind 127.0.0.1:18002
                    default_backend e
                backend e
                    mode http
                    server s1 %s
                """.formatted(server);
    }

    /** A part whose text the test sets. */
    private static final class FakePart implements SourcePipeline.Part {
        volatile String text;
        volatile int renders;

        FakePart(String text) {
            this.text = text;
        }

        @Override
        public SourcePipeline.Rendered render(DnsLookup dns) {
            renders++;
            return new SourcePipeline.Rendered(List.of(new ConfigText("etcd:/haproxy-t", text)), Set.of(),
                    List.of());
        }

        @Override
        public SourceState state() {
            return new SourceState("fake", true, 1, null, Instant.now());
        }
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final TableRef tables = new TableRef();
    private volatile String fileText = FILE;
    private final FakePart part = new FakePart(part("127.0.0.3:80"));
    private final SourcePipeline pipeline = new SourcePipeline(tables,
            problems -> List.of(new ConfigText("haproxy.cfg", fileText)), List.of(part), null, thread);

    @AfterEach
    void stop() throws InterruptedException {
        thread.shutdownNow();
        thread.awaitTermination(5, TimeUnit.SECONDS);
    }

    private String server(String backend) {
        return tables.get().backends().get(backend).servers().get(0).address().getAddress().getHostAddress();
    }

    @Test
    void filesAndPartsMakeOneTable() {
        SourcePipeline.Outcome o = pipeline.reload("start");
        assertTrue(o.applied(), o.errors().toString());
        assertEquals(List.of("haproxy.cfg", "etcd:/haproxy-t"), tables.get().sources());
        assertEquals(List.of("haproxy.cfg"), pipeline.liveFiles(), "the files among them");
        assertEquals(2, tables.get().frontends().size());
        SourcePipeline.Outcome again = pipeline.reload("same");
        assertTrue(o.published());
        assertTrue(again.unchanged(), "the same inputs publish nothing");
        assertFalse(again.published());
        assertEquals(o.version(), tables.get().version());
    }

    @Test
    void aBrokenFileDoesNotHoldBackASourceChange() {
        pipeline.reload("start");
        fileText = FILE.replace("default_backend f", "default_backend nowhere");
        SourcePipeline.Outcome refused = pipeline.reload("edit");
        assertFalse(refused.applied());
        assertFalse(refused.published(), "the old table serves");
        assertEquals(List.of("haproxy.cfg:4: default_backend nowhere: no backend named 'nowhere'"),
                refused.errors().stream().map(ConfigProblem::format).toList());
        part.text = part("127.0.0.4:80");
        SourcePipeline.Outcome o = pipeline.reload("etcd");
        assertEquals("127.0.0.4", server("e"), "the source's change applies");
        assertEquals("127.0.0.2", server("f"), "with the last good files");
        assertFalse(o.applied(), "and the files are still reported as refused");
        assertTrue(o.published());
    }

    @Test
    void aBrokenPartKeepsItsLastGoodTextAndDoesNotHoldBackTheFiles() {
        pipeline.reload("start");
        part.text = part("127.0.0.4:99999");
        fileText = FILE.replace("127.0.0.2:80", "127.0.0.5:80");
        SourcePipeline.Outcome o = pipeline.reload("both");
        assertTrue(o.applied(), "the files apply");
        assertEquals("127.0.0.5", server("f"));
        assertEquals("127.0.0.3", server("e"), "the part's last good text stays");
        assertTrue(o.errors().get(0).format().startsWith("etcd:/haproxy-t:7: "), o.errors().toString());
    }

    @Test
    void aPartThatNeverCompiledIsLeftOutAndTheFilesServe() {
        // As when confd's rendered file binds lb.http.bind and the etcd source is on too.
        part.text = part("127.0.0.3:80").replace("127.0.0.1:18002", "127.0.0.1:18001");
        SourcePipeline.Outcome o = pipeline.reload("start");
        assertTrue(o.applied(), "the files serve");
        assertTrue(o.published());
        assertEquals(List.of("haproxy.cfg"), tables.get().sources());
        assertTrue(o.errors().get(0).format().startsWith("etcd:/haproxy-t:3: bind 127.0.0.1:18001 collides "
                + "with the bind at haproxy.cfg:3"), o.errors().toString());
        part.text = part("127.0.0.3:80");
        pipeline.reload("fixed");
        assertEquals(List.of("haproxy.cfg", "etcd:/haproxy-t"), tables.get().sources());
    }

    @Test
    void changesArrivingDuringARebuildAreCoalesced() throws Exception {
        pipeline.reload("start");
        int before = part.renders;
        for (int i = 0; i < 200; i++) {
            part.text = part("127.0.1." + (i % 250 + 1) + ":80");
            pipeline.changed("burst " + i);
        }
        dev.lb.core.testing.Await.until("the last change is live", Duration.ofSeconds(10),
                () -> "127.0.1.200".equals(server("e")), () -> "server is " + server("e"));
        assertTrue(part.renders - before < 200, "200 changes, " + (part.renders - before) + " rebuilds");
    }
}
