package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.DnsTarget;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Servers named by DNS: {@code resolvers} sections, {@code server ... resolvers}, {@code server-template}. */
class DnsServersConfigTest {

    private static final String CFG = """
            resolvers consul
                nameserver c1 127.0.0.1:8600
                hold valid 2s
                timeout resolve 500ms
                resolve_retries 2
            frontend web
                mode http
                bind 127.0.0.1:8080
                default_backend app
            backend app
                mode http
                default-server init-addr none
                server one api.local:9000 resolvers consul check
                server-template web 3 web.service.consul:80 resolvers consul
                server-template srv 2 _db._tcp.service.consul resolvers consul
            """;

    private final Map<DnsQuery, DnsAnswer> answers = new HashMap<>();

    private LoadResult compile(RoutingTable previous) throws ConfigException {
        return new TableCompiler(h -> InetAddress.getByName("127.0.0.1"), Map.of(), answers::get)
                .compile(List.of(new ConfigText("dns.cfg", CFG)), previous);
    }

    private static DnsAnswer a(String... ips) throws UnknownHostException {
        List<DnsTarget> t = new java.util.ArrayList<>();
        for (String ip : ips) {
            t.add(new DnsTarget(InetAddress.getByName(ip), 0));
        }
        return new DnsAnswer(t);
    }

    private static List<String> servers(LoadResult r) {
        return r.table().backends().get("app").servers().stream()
                .map(s -> s.name() + "=" + s.address().getAddress().getHostAddress() + ":"
                        + s.address().getPort())
                .toList();
    }

    @Test
    void unresolvedNamesLeaveNoServerButAreAskedFor() throws Exception {
        LoadResult r = compile(RoutingTable.EMPTY);
        assertEquals(List.of(), servers(r));
        assertEquals(Set.of(new DnsQuery("consul", "api.local"), new DnsQuery("consul", "web.service.consul"),
                new DnsQuery("consul", "_db._tcp.service.consul")), r.dnsQueries());
        assertEquals(2, r.resolvers().get("consul").retries());
        assertEquals(java.time.Duration.ofSeconds(2), r.resolvers().get("consul").holdValid());
        assertEquals(List.of(new java.net.InetSocketAddress("127.0.0.1", 8600)),
                r.resolvers().get("consul").nameservers());
    }

    @Test
    void answersFillServersAndTemplateSlots() throws Exception {
        answers.put(new DnsQuery("consul", "api.local"), a("127.0.0.9", "127.0.0.8"));
        answers.put(new DnsQuery("consul", "web.service.consul"), a("127.0.0.2", "127.0.0.3"));
        answers.put(new DnsQuery("consul", "_db._tcp.service.consul"), new DnsAnswer(List.of(
                new DnsTarget(InetAddress.getByName("127.0.0.4"), 5432))));
        LoadResult r = compile(RoutingTable.EMPTY);
        assertEquals(List.of("one=127.0.0.9:9000", "web1=127.0.0.2:80", "web2=127.0.0.3:80",
                "srv1=127.0.0.4:5432"),
                servers(r));
        Server one = r.table().backends().get("app").servers().get(0);
        assertTrue(one.check(), "the line's options apply to a resolved server");
    }

    @Test
    void slotsKeepTheirAddressWhileTheAnswerHoldsIt() throws Exception {
        answers.put(new DnsQuery("consul", "api.local"), a("127.0.0.9", "127.0.0.8"));
        answers.put(new DnsQuery("consul", "web.service.consul"), a("127.0.0.2", "127.0.0.3"));
        RoutingTable first = compile(RoutingTable.EMPTY).table();
        // .2 goes away, .5 and .6 arrive; api.local's answer reorders but still holds .9.
        answers.put(new DnsQuery("consul", "web.service.consul"), a("127.0.0.3", "127.0.0.5", "127.0.0.6"));
        answers.put(new DnsQuery("consul", "api.local"), a("127.0.0.1", "127.0.0.9"));
        LoadResult r = compile(first);
        assertEquals(List.of("one=127.0.0.9:9000", "web1=127.0.0.5:80", "web2=127.0.0.3:80",
                "web3=127.0.0.6:80"), servers(r));
        assertTrue(r.table().backends().get("app").servers().get(2).state()
                == first.backends().get("app").servers().get(2).state(), "web2 kept its run-time state");
    }

    @Test
    void unknownResolversAndMissingPortsAreLineNumberedErrors() {
        String bad = """
                resolvers named
                    nameserver ns1 dns.example:53
                    nameserver ns2 127.0.0.1:99999
                backend b
                    server a api.local:80 resolvers nowhere
                    server-template w 2 web.local resolvers nowhere
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> new TableCompiler(
                h -> InetAddress.getByName("127.0.0.1"), Map.of(), q -> null)
                .compile(List.of(new ConfigText("bad.cfg", bad))));
        String all = e.getMessage();
        assertTrue(all.contains("bad.cfg:2: nameserver 'dns.example:53' is not an IP address"), all);
        assertTrue(all.contains("bad.cfg:3: nameserver '127.0.0.1:99999' has an invalid port"), all);
        assertTrue(all.contains("bad.cfg:5: no resolvers section named 'nowhere'"), all);
        assertTrue(all.contains("bad.cfg:6: no resolvers section named 'nowhere'"), all);
    }
}
