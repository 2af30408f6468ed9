package dev.lb.admin;

import dev.lb.core.config.ConfigException;
import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.TableRef;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the admin plane's tests share: tables compiled from haproxy.cfg text, a fixed-text
 * {@link StatsView}, and an {@link AdminControl} whose reload compiles the next queued text.
 */
public final class AdminFixture implements AdminControl {

    public final TableRef tables = new TableRef();
    private volatile String nextText;
    private final List<String> reloadCauses = new ArrayList<>();

    /** A stats view with fixed, recognisable answers. */
    public static final StatsView STATS = new StatsView() {
        @Override
        public String csv() {
            return "# pxname,svname,status\nweb,FRONTEND,OPEN\n";
        }

        @Override
        public String prometheus() {
            return "haproxy_process_up 1\n";
        }

        @Override
        public String html(StatsPage page, AdminStatus status) {
            return "<html>stats at " + page.uri() + " refresh " + page.refresh().toSeconds() + "</html>\n";
        }
    };

    /** Compiles and publishes {@code cfg}. */
    public RoutingTable publish(String cfg) {
        try {
            return tables.publish(HaproxyConfigLoader.compile(List.of(new ConfigText("test.cfg", cfg)),
                    tables.get()).table());
        } catch (ConfigException e) {
            throw new AssertionError(e.problems().toString(), e);
        }
    }

    /** What the next {@link #reload} reads. */
    public void nextReload(String cfg) {
        nextText = cfg;
    }

    @Override
    public synchronized ReloadResult reload(String cause) {
        reloadCauses.add(cause);
        try {
            RoutingTable t = HaproxyConfigLoader.compile(List.of(new ConfigText("test.cfg", nextText)),
                    tables.get()).table();
            return new ReloadResult(true, tables.publish(t).version(), List.of());
        } catch (ConfigException e) {
            return new ReloadResult(false, tables.get().version(),
                    e.problems().stream().map(p -> p.format()).toList());
        }
    }

    @Override
    public AdminStatus status() {
        RoutingTable t = tables.get();
        return new AdminStatus(t.version(), t.sources(), Instant.now().minusSeconds(90), Instant.now(),
                List.of());
    }

    /** A port free on {@code host} now. */
    public static int freePort(String host) {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
