package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a changed configuration file is noticed without SIGHUP. */
class FileWatchTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void aSymlinkSwappedLikeAKubernetesConfigMapIsApplied() throws Exception {
        int port = FreePort.on("127.0.0.1");
        // The ConfigMap layout: haproxy.cfg -> ..data/haproxy.cfg, ..data -> ..v1; an update
        // writes ..v2 and renames a new ..data link over the old one. No event names haproxy.cfg.
        Path v1 = Files.createDirectory(dir.resolve("..v1"));
        Path v2 = Files.createDirectory(dir.resolve("..v2"));
        Files.writeString(v1.resolve("haproxy.cfg"), config(port, "127.0.0.2:9001"));
        Files.writeString(v2.resolve("haproxy.cfg"), config(port, "127.0.0.3:9001"));
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Path cfg = Files.createSymbolicLink(dir.resolve("haproxy.cfg"), Path.of("..data", "haproxy.cfg"));
        ProcessConfig pc = TestConfig.isolated().withFiles(List.of(cfg))
                .withDrainTimeout(Duration.ofMillis(200));
        try (LbServer lb = LbServer.start(pc)) {
            assertEquals("127.0.0.2", serverHost(lb));
            Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
            Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
            Await.until("the swapped configuration applied", WAIT, () -> "127.0.0.3".equals(serverHost(lb)),
                    () -> serverHost(lb));
        }
    }

    @Test
    void aRejectedFileIsNotRecompiledForUnrelatedChangesNextToIt() throws Exception {
        int port = FreePort.on("127.0.0.1");
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), config(port, "127.0.0.2:9001"));
        ProcessConfig pc = TestConfig.isolated().withFiles(List.of(cfg))
                .withDrainTimeout(Duration.ofMillis(200));
        try (LbServer lb = LbServer.start(pc)) {
            Files.writeString(cfg, "frontend broken\n    frobnicate\n");
            Await.until("the broken file rejected", WAIT,
                    () -> lb.lastReload() != null && !lb.lastReload().errors().isEmpty());
            dev.lb.discovery.SourcePipeline.Outcome rejected = lb.lastReload();
            Files.writeString(dir.resolve("unrelated.txt"), "x");
            Await.until("a re-read after the unrelated change", WAIT, () -> lb.lastReload() != rejected);
            dev.lb.discovery.SourcePipeline.Outcome reread = lb.lastReload();
            assertTrue(reread.unchanged() && reread.errors().isEmpty(),
                    "the same broken text is skipped, not reported again: " + reread);
            Files.writeString(cfg, config(port, "127.0.0.4:9001"));
            Await.until("the fixed file applied", WAIT, () -> "127.0.0.4".equals(serverHost(lb)));
        }
    }

    @Test
    void aFileCaughtMidWriteIsNeverApplied() throws Exception {
        int port = FreePort.on("127.0.0.1");
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), config(port, "127.0.0.2:9001"));
        ProcessConfig pc = TestConfig.isolated().withFiles(List.of(cfg))
                .withDrainTimeout(Duration.ofMillis(200));
        try (LbServer lb = LbServer.start(pc)) {
            List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();
            lb.tables().onPublish(t -> published.add(t.backends().get("app").servers().get(0).address()
                    .toString()));
            String full = config(port, "127.0.0.3:9001");
            // Cut inside the server's port: the half is a valid file with another server (127.0.0.3:90).
            int cut = full.indexOf(":9001") + 3;
            try (java.io.OutputStream out = Files.newOutputStream(cfg)) { // truncates, as a plain writer does
                out.write(full.substring(0, cut).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.flush();
                // The writer's pause: four settle windows, a quarter of the stability window.
                Thread.sleep(4 * FileWatcher.SETTLE_MILLIS);
                out.write(full.substring(cut).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            // The listener runs just after the swap: wait for it, not only for the table.
            Await.until("the finished file published", WAIT, () -> published.contains("/127.0.0.3:9001"),
                    published::toString);
            assertEquals("[/127.0.0.3:9001]", List.copyOf(published).toString(),
                    "only the finished file's table is published");
        }
    }

    @Test
    void aFileWithoutFinalNewlineIsAppliedOnceItStopsChanging() throws Exception {
        int port = FreePort.on("127.0.0.1");
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), config(port, "127.0.0.2:9001"));
        ProcessConfig pc = TestConfig.isolated().withFiles(List.of(cfg))
                .withDrainTimeout(Duration.ofMillis(200));
        try (LbServer lb = LbServer.start(pc)) {
            String noLf = config(port, "127.0.0.5:9001").stripTrailing();
            long written = System.nanoTime();
            Files.writeString(cfg, noLf);
            Await.until("the file applied after it stayed unchanged", WAIT,
                    () -> "127.0.0.5".equals(serverHost(lb)));
            assertTrue(System.nanoTime() - written >= FileWatcher.STABLE_MILLIS * 1_000_000,
                    "applied before the stability window ended");
            // The outcome is recorded just after the table is published.
            Await.until("the reload reports HAProxy's warning", WAIT, () -> lb.lastReload().warnings().stream()
                    .anyMatch(w -> w.message().startsWith("Missing LF on last line")),
                    () -> lb.lastReload().toString());
        }
    }

    private static String serverHost(LbServer lb) {
        return lb.table().backends().get("app").servers().get(0).address().getHostString();
    }

    private static String config(int port, String server) {
        return "defaults\n    mode http\nfrontend web\n    bind 127.0.0.1:" + port
                + "\n    default_backend app\nbackend app\n    server s " + server + "\n";
    }
}
