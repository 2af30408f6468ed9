package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void checkAcceptsAValidFileLikeHaproxy() throws Exception {
        Path cfg = Files.writeString(dir.resolve("ok.cfg"), """
                defaults
                    mode http
                frontend web
                    bind 127.0.0.1:8080
                    default_backend app
                backend app
                    server a 127.0.0.1:9001
                """);
        assertEquals(0, run("-c", "-f", cfg.toString()), err.toString());
        assertEquals("Configuration file is valid\n", out.toString());
    }

    @Test
    void checkNamesFileAndLineOfEachError() throws Exception {
        Path cfg = Files.writeString(dir.resolve("bad.cfg"), """
                defaults
                    mode http
                frontend web
                    bind 127.0.0.1:8080
                    use_backend nowhere if { path_beg /x }
                    default_backend app
                backend app
                    server a 127.0.0.1:9001 frobnicate
                """);
        assertEquals(1, run("-c", "-f", cfg.toString()));
        String e = err.toString();
        assertTrue(e.contains(cfg + ":5: "), "expected an error at line 5 (unknown backend), got:\n" + e);
        assertTrue(e.contains(cfg + ":8: "), "expected an error at line 8 (unknown server keyword), got:\n" + e);
        assertEquals("", out.toString(), "a rejected file must not be called valid");
    }

    @Test
    void checkRejectsAFileWithNothingToServe() throws Exception {
        Path cfg = Files.writeString(dir.resolve("empty.cfg"), "global\n    daemon\n");
        assertEquals(1, run("-c", "-f", cfg.toString()));
        assertTrue(err.toString().contains("nothing to serve"), err.toString());
    }

    @Test
    void checkReportsAMissingFile() {
        assertEquals(1, run("-c", "-f", dir.resolve("missing.cfg").toString()));
        assertTrue(err.toString().contains("missing.cfg"), err.toString());
    }

    @Test
    void versionPrintsAVersion() {
        assertEquals(0, run("version"));
        assertTrue(out.toString().startsWith("lb "), out.toString());
    }

    @Test
    void unknownArgumentIsAUsageError() {
        assertEquals(2, run("--frobnicate"));
        assertTrue(err.toString().contains("unknown argument '--frobnicate'"), err.toString());
        assertTrue(err.toString().contains("usage: lb"), err.toString());
    }

    @Test
    void embeddedExampleIsValid() throws Exception {
        Path example = Path.of("..", "examples", "haproxy.cfg");
        assertEquals(0, run("-c", "-f", example.toString()), err.toString());
    }
}
