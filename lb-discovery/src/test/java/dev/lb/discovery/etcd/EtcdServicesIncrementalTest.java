package dev.lb.discovery.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.dns.DnsTarget;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regrouping only the services whose keys changed renders what grouping every key renders, over
 * random sequences of puts and deletes: valid and invalid values, services appearing and going,
 * TCP services, certificates and keys outside any service.
 */
class EtcdServicesIncrementalTest {

    private static final String[] FIELDS = {"domain", "url_beg", "port", "balance", "strip", "servers/a",
        "servers/b", "servers/c"};
    private static final String[] VALUES = {"a.example", "b.example, c.example", "/api", "/", "api", "8080",
        "9090", "x", "0", "leastconn", "bogus", "false", "127.0.0.2", "127.0.0.3:81", "node.consul",
        "[::1]:82", "bad value", ""};

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void renderingChangesMatchesRenderingEverything(long seed) throws UnknownHostException {
        Random random = new Random(seed);
        InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 18080);
        EtcdServices incremental = new EtcdServices("/haproxy-t", bind, true);
        EtcdServices whole = new EtcdServices("/haproxy-t", bind, false);
        DnsAnswer answer = new DnsAnswer(List.of(new DnsTarget(InetAddress.getByName("127.0.0.9"), 0)));
        TreeMap<String, String> keys = new TreeMap<>();
        int differentTexts = 0;
        String last = "";
        for (int step = 0; step < 300; step++) {
            int changes = 1 + random.nextInt(step < 5 ? 40 : 3);
            for (int c = 0; c < changes; c++) {
                String key = randomKey(random);
                if (random.nextInt(4) == 0) {
                    keys.remove(key);
                } else {
                    keys.put(key, value(key, random));
                }
            }
            if (random.nextInt(20) == 0) {
                keys.subMap("services/", "services/" + Character.MAX_VALUE).clear();
            }
            // As EtcdSource hands them on: an immutable copy per change.
            SortedMap<String, String> snapshot = Collections.unmodifiableSortedMap(new TreeMap<>(keys));
            boolean resolved = random.nextBoolean();
            DnsLookup dns = resolved ? q -> answer : DnsLookup.NONE;
            EtcdServices.Rendered a = incremental.render(snapshot, dns);
            EtcdServices.Rendered b = whole.render(snapshot, dns);
            String where = "seed " + seed + ", step " + step + ", keys " + keys;
            assertEquals(b.text(), a.text(), where);
            assertEquals(b.problems(), a.problems(), where);
            assertEquals(b.dnsQueries(), a.dnsQueries(), where);
            assertEquals(b.certificates(), a.certificates(), where);
            assertEquals(b.httpServices(), a.httpServices(), where);
            assertEquals(b.tcpServices(), a.tcpServices(), where);
            if (!a.text().text().equals(last)) {
                differentTexts++;
                last = a.text().text();
            }
        }
        // The comparison means something only if the texts moved a lot along the way.
        assertEquals(true, differentTexts > 60, "texts that changed: " + differentTexts);
    }

    @Test
    void aServiceDeletedThenWrittenBackInvalidIsNotServedFromBeforeItsDeletion() {
        EtcdServices incremental = new EtcdServices("/haproxy-t", new InetSocketAddress("127.0.0.1", 18080));
        SortedMap<String, String> valid = new TreeMap<>(Map.of("services/web/domain", "w.example",
                "services/web/port", "8080", "services/web/servers/a", "127.0.0.2",
                "services/api/domain", "a.example", "services/api/port", "8081"));
        incremental.render(Collections.unmodifiableSortedMap(new TreeMap<>(valid)), DnsLookup.NONE);
        valid.remove("services/web/domain");
        valid.remove("services/web/port");
        valid.remove("services/web/servers/a");
        incremental.render(Collections.unmodifiableSortedMap(new TreeMap<>(valid)), DnsLookup.NONE);
        valid.put("services/web/domain", "w.example");
        valid.put("services/web/port", "not-a-port");
        String text = incremental.render(Collections.unmodifiableSortedMap(new TreeMap<>(valid)),
                DnsLookup.NONE).text().text();
        assertEquals(false, text.contains("backend web "), "web has no valid settings since it came back:\n"
                + text);
        assertEquals(true, text.contains("backend api "), "api is still served:\n" + text);
    }

    /** Mostly a value that fits the key, so that services render; now and then any value. */
    private static String value(String key, Random random) {
        if (random.nextInt(8) == 0) {
            return VALUES[random.nextInt(VALUES.length)];
        }
        String field = key.substring(key.lastIndexOf('/') + 1);
        return switch (key.contains("/servers/") ? "servers" : field) {
            case "domain" -> "h" + random.nextInt(5) + ".example";
            case "url_beg" -> "/p" + random.nextInt(3);
            case "port", "internal_port" -> String.valueOf(8000 + random.nextInt(3));
            case "external_port" -> String.valueOf(9000 + random.nextInt(8));
            case "balance" -> random.nextBoolean() ? "leastconn" : "roundrobin";
            case "strip" -> String.valueOf(random.nextBoolean());
            case "servers" -> "127.0.0." + (2 + random.nextInt(5));
            default -> VALUES[random.nextInt(VALUES.length)];
        };
    }

    private static String randomKey(Random random) {
        int kind = random.nextInt(20);
        String svc = "s" + random.nextInt(12);
        if (kind == 0) {
            return "certs/" + svc + ".pem";
        }
        if (kind == 1) {
            return random.nextBoolean() ? "services/" + svc : "services//" + svc;
        }
        if (kind < 5) {
            String[] tcp = {"external_port", "internal_port", "balance", "servers/a"};
            return "tcp-services/" + svc + "/" + tcp[random.nextInt(tcp.length)];
        }
        return "services/" + svc + "/" + FIELDS[random.nextInt(FIELDS.length)];
    }
}
