package dev.lb.admin.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.TableRef;
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
 * (HELP, TYPE, names, labels and values, sorted), against {@code metrics/small.txt}: the output
 * of the per-row micrometer meters lb had before the rows were read at scrape time. Set
 * {@code -Dlb.metrics.golden.write=true} to write the file from the current code instead.
 */
class MetricsExpositionTest {

    private static final String GOLDEN = "metrics/small.txt";

    /** A sample line of the text format 0.0.4: name, optional labels, one value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*})? "
                    + "(-?[0-9.]+(E-?[0-9]+)?|NaN|[+-]Inf)");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

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
                || l.startsWith("# TYPE lb_")).sorted().collect(Collectors.toList());
    }

    @Test
    void lbSeriesAreThoseOfThePerRowMeters() throws Exception {
        TableRef tables = new TableRef();
        tables.publish(compile(CONFIG, tables.get()));
        try (LiveStats stats = new LiveStats(tables)) {
            List<String> now = lbLines(stats.prometheus());
            if (Boolean.getBoolean("lb.metrics.golden.write")) {
                Path p = Path.of("src/test/resources", GOLDEN);
                Files.writeString(p, String.join("\n", now) + "\n");
            }
            assertEquals(golden(), String.join("\n", now) + "\n", "lb_ lines of /metrics");
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

    private static String golden() throws IOException {
        try (InputStream in = MetricsExpositionTest.class.getClassLoader().getResourceAsStream(GOLDEN)) {
            if (in == null) {
                throw new AssertionError("no " + GOLDEN + "; run with -Dlb.metrics.golden.write=true");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
