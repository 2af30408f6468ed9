package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading files: several files are one configuration, as with {@code haproxy -f a -f b}. */
class HaproxyConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void aLastLineWithoutLfIsServedWithHaproxysTruncationWarning() throws Exception {
        LoadResult r = TestCompiler.compile("t.cfg",
                "defaults\n  mode http\nbackend b\n  server s 127.0.0.1:80");
        assertEquals(List.of("t.cfg:4: Missing LF on last line, file might have been truncated at "
                + "position 24."),
                r.warnings().stream().map(ConfigProblem::format).toList());
        assertEquals(List.of(), TestCompiler.compile("t.cfg", "defaults\n  mode http\n").warnings());
    }

    @Test
    void defaultsOfTheFirstFileApplyToTheSecond() throws IOException, ConfigException {
        Path a = Files.writeString(dir.resolve("a.cfg"), "defaults\n    mode http\n    timeout connect 7s\n");
        Path b = Files.writeString(dir.resolve("b.cfg"), "frontend fe\n    bind 127.0.0.1:8080\n"
                + "    default_backend be\nbackend be\n    server s 127.0.0.2:80\n");
        LoadResult r = HaproxyConfigLoader.load(List.of(a, b));
        assertEquals(7000, r.table().backends().get("be").timeouts().connect().toMillis(),
                "connect timeout of be");
        assertEquals(List.of(a.toString(), b.toString()), r.table().sources(), "sources");
        assertEquals(0, r.table().version(), "a loaded table is unpublished");
    }

    @Test
    void aSectionEndsWithItsFile() throws IOException {
        Path a = Files.writeString(dir.resolve("a.cfg"), "defaults\n    mode http\nbackend be\n");
        Path b = Files.writeString(dir.resolve("b.cfg"), "    server s 127.0.0.2:80\n");
        ConfigException e = assertThrows(ConfigException.class, () -> HaproxyConfigLoader.load(List.of(a, b)));
        assertEquals(List.of(new ConfigProblem(b.toString(), 1, "unknown keyword 'server' out of section")),
                e.problems());
    }

    @Test
    void anUnreadableFileIsAnErrorNamingIt() {
        Path missing = dir.resolve("missing.cfg");
        ConfigException e = assertThrows(ConfigException.class,
                () -> HaproxyConfigLoader.load(List.of(missing)));
        assertTrue(e.getMessage().startsWith(missing + ": cannot read"), e.getMessage());
    }

    @Test
    void unresolvableServerNamesAreErrorsWithTheirLine() {
        String cfg = "defaults\n mode http\nbackend be\n server a web1.service.consul:80\n"
                + " server b gone.invalid:80\n";
        ConfigException e = assertThrows(ConfigException.class, () -> TestCompiler.compile("dns.cfg", cfg));
        assertEquals("dns.cfg:5: could not resolve address 'gone.invalid'", e.getMessage());
    }

    @Test
    void anEmptyConfigurationIsAnEmptyTable() throws ConfigException {
        LoadResult r = TestCompiler.compile("empty.cfg", "# nothing yet\n");
        assertEquals("", r.table().dump());
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void aReloadKeepsTheStateOfServersThatStayed() throws ConfigException {
        String before = "defaults\n mode http\nbackend be\n server a 127.0.0.2:80\n server b 127.0.0.3:80\n";
        String after = "defaults\n mode http\nbackend be\n server a 127.0.0.2:80\n server b 127.0.0.4:80\n";
        var first = HaproxyConfigLoader.compile(List.of(new ConfigText("t.cfg", before))).table();
        first.backends().get("be").servers().get(0).state().acquire();
        var second = HaproxyConfigLoader.compile(List.of(new ConfigText("t.cfg", after)), first).table();
        var servers = second.backends().get("be").servers();
        assertEquals(1, servers.get(0).state().active(),
                "server a is unchanged: its active count carries over");
        assertTrue(servers.get(1).state() != first.backends().get("be").servers().get(1).state(),
                "server b moved to another address: it starts with fresh state");
    }
}
