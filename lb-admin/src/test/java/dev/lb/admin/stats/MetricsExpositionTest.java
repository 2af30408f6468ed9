package dev.lb.admin.stats;

import static dev.lb.admin.stats.StatsText.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.TableRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The {@code lb_} part of {@code /metrics} for a small table with no traffic, line for line
 * (HELP, TYPE, names, labels and values, sorted), in text format 0.0.4 and in OpenMetrics,
 * against {@code metrics/small*.txt}: the output of the per-row micrometer meters lb had before
 * the rows were read at scrape time. {@code -Dlb.metrics.golden.write=true} rewrites the files.
 */
class MetricsExpositionTest {

    /** A sample line of the text format 0.0.4: name, optional labels, one value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*})? "
                    + "(-?[0-9.]+(E-?[0-9]+)?|NaN|[+-]Inf)");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE|UNIT) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

    static final String CONFIG = """
            defaults
                mode http
            frontend fe
                bind 127.0.0.1:1
                default_backend app
            frontend web.v2:x
                bind 127.0.0.1:2
                default_backend checked
            backend app
                server s1 127.0.0.1:3
                server s2 127.0.0.1:4 weight 7
            backend checked
                server c1 127.0.0.1:5 check
                server off 127.0.0.1:6 disabled
                server spare 127.0.0.1:7 backup
            """;

    static RoutingTable compile(String cfg, RoutingTable previous) throws Exception {
        return HaproxyConfigLoader.compile(List.of(new ConfigText("metrics-test.cfg", cfg)), previous).table();
    }

    /** The lines of {@code text} about lb's own metrics, sorted. */
    static List<String> lbLines(String text) {
        return text.lines().filter(l -> l.startsWith("lb_") || l.startsWith("# HELP lb_")
                || l.startsWith("# TYPE lb_") || l.startsWith("# UNIT lb_"))
                .sorted().collect(Collectors.toList());
    }

    @Test
    void lbSeriesAreThoseOfThePerRowMeters() throws Exception {
        TableRef tables = new TableRef();
        tables.publish(compile(CONFIG, tables.get()));
        try (LiveStats stats = new LiveStats(tables)) {
            assertSameAsGolden("metrics/small.txt", stats.prometheus());
            ByteArrayOutputStream streamed = new ByteArrayOutputStream();
            stats.prometheus(streamed);
            assertSameAsGolden("metrics/small.txt", streamed.toString(StandardCharsets.UTF_8));
            // OpenMetrics names counters without _total in TYPE and HELP, and would show units.
            assertSameAsGolden("metrics/small.openmetrics.txt",
                    stats.registry().scrape("application/openmetrics-text; version=1.0.0; charset=utf-8"));
        }
    }

    private static void assertSameAsGolden(String golden, String text) throws IOException {
        String now = String.join("\n", lbLines(text)) + "\n";
        if (Boolean.getBoolean("lb.metrics.golden.write")) {
            Files.writeString(Path.of("src/test/resources", golden), now);
        }
        assertEquals(golden(golden), now, "lb_ lines of " + golden);
    }

    @Test
    void aReloadDropsARemovedBackendsSeriesAndAddsANewOnes() throws Exception {
        TableRef tables = new TableRef();
        tables.publish(compile(CONFIG, tables.get()));
        try (LiveStats stats = new LiveStats(tables)) {
            String before = stats.prometheus();
            assertEquals(1.0, sample(before, "lb_backend_up", "backend", "checked"), 0.0, before);
            assertEquals(0.0, sample(before, "lb_server_up", "backend", "checked", "server", "off"), 0.0);

            tables.publish(compile(CONFIG.replaceAll("(?s)\nbackend checked.*", """

                    backend fresh
                        server f1 127.0.0.1:8 weight 3
                    """).replace("default_backend checked", "default_backend fresh"), tables.get()));
            tables.get().backends().get("app").servers().get(0).setWeight(0);

            String after = stats.prometheus();
            for (String line : after.split("\n")) {
                assertFalse(line.contains("\"checked\""), "backend checked still in /metrics: " + line);
            }
            assertEquals(3.0, sample(after, "lb_server_weight", "backend", "fresh", "server", "f1"), 0.0,
                    after);
            assertEquals(0.0, sample(after, "lb_server_responses_total", "backend", "fresh", "server", "f1",
                    "code", "5xx"), 0.0);
            assertEquals(1.0, sample(after, "lb_backend_up", "backend", "fresh"), 0.0);
            assertEquals(0.0, sample(after, "lb_server_weight", "backend", "app", "server", "s1"), 0.0,
                    "weight set at run time on the current table's server");
            assertNull(sample(after, "lb_server_up", "backend", "checked", "server", "off"));
        }
    }

    @Test
    void everyLineIsACommentOrANameLabelsValueSample() throws Exception {
        TableRef tables = new TableRef();
        tables.publish(compile(CONFIG, tables.get()));
        try (LiveStats stats = new LiveStats(tables)) {
            String text = stats.prometheus();
            assertTrue(text.endsWith("\n"), "ends with a newline");
            for (String line : text.split("\n")) {
                assertTrue(COMMENT.matcher(line).matches() || SAMPLE.matcher(line).matches(),
                        "not a HELP/TYPE comment nor a 'name{labels} value' sample: " + line);
            }
        }
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = MetricsExpositionTest.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new AssertionError("no " + name + "; run with -Dlb.metrics.golden.write=true");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
