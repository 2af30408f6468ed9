package dev.lb.admin.stats;

import dev.lb.admin.AdminStatus;
import dev.lb.core.config.ConfigException;
import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.table.RoutingTable;
import dev.lb.http.HttpBackend;
import dev.lb.http.ProxyUnderTest;
import dev.lb.http.RawHttpClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers shared by the stats tests: real configurations on a {@link ProxyUnderTest}, requests, HTML rows. */
final class StatsRig {

    static final Instant STARTED = Instant.parse("2026-01-01T00:00:00Z");

    private StatsRig() {
    }

    static String addr(HttpBackend b) {
        return b.address().getHostString() + ":" + b.address().getPort();
    }

    static String addr(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    /** Compiles {@code cfg} as the successor of the proxy's live table and publishes it. */
    static RoutingTable publish(ProxyUnderTest proxy, String cfg) throws ConfigException {
        RoutingTable t = HaproxyConfigLoader.compile(List.of(new ConfigText("stats-test.cfg", cfg)),
                proxy.tables().get()).table();
        return proxy.tables().publish(t);
    }

    /** Sends {@code n} GETs of {@code path} on one keep-alive connection; each must answer {@code status}. */
    static void get(ProxyUnderTest proxy, String path, int n, int status) throws IOException {
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            for (int i = 0; i < n; i++) {
                RawHttpClient.Response r = c.get(path, "stats.test");
                if (r.status() != status) {
                    throw new AssertionError("GET " + path + " #" + i + ": expected " + status + ", got " + r);
                }
            }
        }
    }

    static AdminStatus status(RoutingTable t, List<String> errors) {
        return new AdminStatus(t.version(), t.sources(), STARTED, STARTED.plusSeconds(60), errors);
    }

    /** The {@code <tr>} of {@code proxy}/{@code name} in the HTML page: its class and its cells. */
    record HtmlRow(String cssClass, String cells) {
        /** The text of the cell showing CSV column {@code column}. */
        String cell(String column) {
            Matcher m = Pattern.compile("<td class=\"" + Pattern.quote(column) + "\">([^<]*)</td>")
                    .matcher(cells);
            if (!m.find()) {
                throw new AssertionError("no cell " + column + " in " + cells);
            }
            return m.group(1);
        }
    }

    static HtmlRow htmlRow(String html, String proxy, String name) {
        Matcher m = Pattern.compile("<tr class=\"([^\"]*)\" data-proxy=\"" + Pattern.quote(proxy)
                + "\" data-name=\"" + Pattern.quote(name) + "\">(.*?)</tr>", Pattern.DOTALL).matcher(html);
        if (!m.find()) {
            throw new AssertionError("no HTML row " + proxy + "/" + name + " in:\n" + html);
        }
        return new HtmlRow(m.group(1), m.group(2));
    }
}
