package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files: each {@code golden/NAME.cfg} compiles to exactly {@code golden/NAME.dump}
 * (warnings and the table dump, or the errors with their lines). After an intended change,
 * regenerate with {@code mvn -pl lb-core verify -Dgolden.update=true} and review the diff.
 */
class GoldenConfigTest {

    /** The source directory, so that an update lands in the repository, not in target/. */
    private static final Path SOURCE = Path.of("src", "test", "resources", "golden");

    @TestFactory
    Stream<DynamicTest> everyGoldenConfigCompilesToItsDump() throws IOException {
        List<Path> configs;
        try (Stream<Path> files = Files.list(SOURCE)) {
            configs = files.filter(p -> p.toString().endsWith(".cfg")).sorted().toList();
        }
        assertFalse(configs.isEmpty(), "no golden configs under " + SOURCE.toAbsolutePath());
        boolean update = Boolean.getBoolean("golden.update");
        return configs.stream().map(cfg -> DynamicTest.dynamicTest(cfg.getFileName().toString(), () -> {
            String name = cfg.getFileName().toString();
            String actual = TestCompiler.render(name, Files.readString(cfg, StandardCharsets.UTF_8));
            Path dump = cfg.resolveSibling(name.replaceFirst("\\.cfg$", ".dump"));
            if (update) {
                Files.writeString(dump, actual, StandardCharsets.UTF_8);
                return;
            }
            String expected = Files.exists(dump) ? Files.readString(dump, StandardCharsets.UTF_8) : "<missing "
                    + dump + ">";
            assertEquals(expected, actual, name + " no longer compiles to " + dump.getFileName()
                    + " (rerun with -Dgolden.update=true if the change is intended)");
        }));
    }
}
