package dev.lb.admin.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.ExternalProcess;
import dev.lb.core.testing.FreePort;
import dev.lb.core.testing.Await;
import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.table.TableRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lb's CSV against Debian's HAProxy 2.6 serving a stats page for the same configuration: the
 * same header line, the same rows in the same order, the same number of fields per row.
 */
class HaproxyCsvParityTest {

    @TempDir
    Path dir;

    @Test
    void csvHeaderRowsAndOrderMatchHaproxy() throws Exception {
        int web = FreePort.on("127.0.0.1");
        int both = FreePort.on("127.0.0.1");
        int statsPort = FreePort.on("127.0.0.1");
        String cfg = """
                defaults
                    mode http
                    timeout connect 1s
                    timeout client 5s
                    timeout server 5s
                frontend web
                    bind 127.0.0.1:%d
                    use_backend api if { path_beg /api }
                    default_backend app
                backend app
                    server a1 127.0.0.2:9
                    server a2 127.0.0.3:9
                backend api
                    server p1 127.0.0.4:9 backup
                listen both
                    bind 127.0.0.1:%d
                    server l1 127.0.0.5:9
                listen stats
                    bind 127.0.0.1:%d
                    stats enable
                    stats uri /
                """.formatted(web, both, statsPort);
        String haproxyCsv;
        Path file = Files.writeString(dir.resolve("haproxy.cfg"), cfg);
        List<String> command = List.of("haproxy", "-db", "-f", file.toString());
        try (ExternalProcess haproxy = ExternalProcess.start(dir, command)) {
            String url = "http://127.0.0.1:" + statsPort + "/;csv";
            Await.until("haproxy's stats page", Duration.ofSeconds(15),
                    () -> !haproxy.alive() || HttpGet.text(url) != null);
            assertTrue(haproxy.alive(), haproxy.log());
            haproxyCsv = HttpGet.text(url);
        }
        TableRef tables = new TableRef();
        tables.publish(HaproxyConfigLoader.compile(List.of(new ConfigText("haproxy.cfg", cfg))).table());
        try (LiveStats stats = new LiveStats(tables)) {
            String lbCsv = stats.csv();
            assertEquals(haproxyCsv.lines().findFirst().orElseThrow(), lbCsv.lines().findFirst().orElseThrow(),
                    "header line");
            // HAProxy also lists its own stats proxy; lb serves the page from the admin plane.
            List<String> theirs = shape(haproxyCsv, true);
            List<String> ours = shape(lbCsv, false);
            assertEquals(theirs, ours, "rows (names, type, field count, ids, server status)\nHAProxy:\n"
                    + haproxyCsv + "\nlb:\n" + lbCsv);
        }
    }

    /** Each row as {@code pxname/svname type=T fields=N [status]}. */
    private static List<String> shape(String csv, boolean dropStats) {
        List<String> out = new ArrayList<>();
        List<String> lines = csv.lines().toList();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (dropStats && line.startsWith("stats,"))) {
                continue;
            }
            Map<String, String> row = StatsText.csvRows(lines.get(0) + "\n" + line).get(0);
            String sv = row.get("svname");
            boolean server = !sv.equals("FRONTEND") && !sv.equals("BACKEND");
            out.add(row.get("pxname") + "/" + sv + " type=" + row.get("type") + " fields="
                    + line.split(",", -1).length + " iid=" + row.get("iid") + " sid=" + row.get("sid")
                    + (server ? " " + row.get("status") + " act=" + row.get("act") + " bck=" + row.get("bck")
                            + " weight=" + row.get("weight") : ""));
        }
        return out;
    }
}
