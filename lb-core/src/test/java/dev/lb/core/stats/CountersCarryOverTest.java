package dev.lb.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A reload hands counters to the next table's frontend, backend and server of the same name. */
class CountersCarryOverTest {

    private static RoutingTable compile(String cfg, RoutingTable previous) throws Exception {
        return HaproxyConfigLoader.compile(List.of(new ConfigText("t.cfg", cfg)), previous).table();
    }

    private static final String V1 = """
            defaults
                mode http
            frontend fe
                bind 127.0.0.1:18080
                default_backend app
            backend app
                server s1 127.0.0.1:9001
                server s2 127.0.0.1:9002
            backend gone
                server g1 127.0.0.1:9003
            """;

    @Test
    void keptNamesKeepTheirCountersNewNamesStartAtZero() throws Exception {
        RoutingTable v1 = compile(V1, RoutingTable.EMPTY);
        v1.frontends().get(0).counters().request();
        v1.backends().get("app").counters().response(200);
        Server s2 = v1.backends().get("app").servers().get(1);
        s2.counters().response(503);

        // s2 moves to another port, s3 is new, backend gone is removed, a new backend appears.
        String v2Text = V1.replace("127.0.0.1:9002", "127.0.0.1:9012")
                .replace("backend gone\n    server g1 127.0.0.1:9003\n",
                        "backend fresh\n    server f1 127.0.0.1:9004\n")
                .replace("    server s2 127.0.0.1:9012\n",
                        "    server s2 127.0.0.1:9012\n    server s3 127.0.0.1:9005\n");
        RoutingTable v2 = compile(v2Text, v1);

        assertSame(v1.frontends().get(0).counters(), v2.frontends().get(0).counters(), "frontend fe");
        assertSame(v1.backends().get("app").counters(), v2.backends().get("app").counters(), "backend app");
        List<Server> servers = v2.backends().get("app").servers();
        assertSame(v1.backends().get("app").servers().get(0).counters(), servers.get(0).counters(), "s1");
        assertSame(s2.counters(), servers.get(1).counters(), "s2 keeps its counters after moving");
        assertNotSame(s2.state(), servers.get(1).state(), "but not its run-time state (new address)");
        assertEquals(1, servers.get(1).counters().responses(5));
        assertEquals(0, servers.get(2).counters().totalSessions(), "s3 is new");
        assertEquals(0, v2.backends().get("fresh").counters().responses(2), "backend fresh is new");
        assertEquals(1, v2.frontends().get(0).counters().requests());
    }
}
