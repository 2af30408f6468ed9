package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsMatchTheSpec() throws Exception {
        ProcessConfig c = ProcessConfig.load(Optional.empty(), Map.of());
        assertEquals("haproxy-1", c.id());
        assertEquals(new InetSocketAddress(80), c.httpBind());
        assertEquals(new InetSocketAddress(443), c.httpsBind());
        assertEquals(new InetSocketAddress(1936), c.adminBind());
        assertEquals(Path.of("/run/lb/admin.sock"), c.adminSocket());
        assertEquals(Duration.ofSeconds(30), c.drainTimeout());
        assertEquals(Duration.ofSeconds(10), c.dnsHoldValid());
        assertEquals(List.of(), c.etcdEndpoints());
        assertEquals(Optional.empty(), c.consulAddress());
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        Path conf = write("lb { id = from-file\n http.bind = \"127.0.0.1:8000\"\n drain-timeout = 2s }");
        ProcessConfig c = ProcessConfig.load(Optional.of(conf),
                Map.of("HAPROXY_ID", "from-env", "LB_HTTP_BIND", "127.0.0.5:9000",
                        "ETCD_NODE", "127.0.0.1:2379, 127.0.0.2", "DNS_SERVERS", "127.0.0.1:53\n127.0.0.2"));
        assertEquals("from-env", c.id());
        assertEquals(new InetSocketAddress("127.0.0.5", 9000), c.httpBind());
        assertEquals(Duration.ofSeconds(2), c.drainTimeout(), "file value kept where no env var is set");
        assertEquals(List.of("127.0.0.1:2379", "127.0.0.2"), c.etcdEndpoints());
        assertEquals(List.of("127.0.0.1:53", "127.0.0.2"), c.dnsServers());
    }

    @Test
    void threadsComeFromTheEnvironmentAndAreChecked() throws Exception {
        assertEquals(Runtime.getRuntime().availableProcessors(),
                ProcessConfig.load(Optional.empty(), Map.of()).eventLoops(), "0 means one loop per core");
        assertEquals(3, ProcessConfig.load(Optional.empty(), Map.of("LB_THREADS", "3")).eventLoops());
        ProcessConfig.Invalid e = assertThrows(ProcessConfig.Invalid.class,
                () -> ProcessConfig.load(Optional.empty(), Map.of("LB_THREADS", "-1")));
        assertTrue(e.getMessage().contains("lb.threads"), e.getMessage());
    }

    @Test
    void tcpSpliceIsOffByDefaultAndCheckedWhenSet() throws Exception {
        assertFalse(ProcessConfig.load(Optional.empty(), Map.of()).tcpSplice());
        assertTrue(ProcessConfig.load(Optional.empty(), Map.of("LB_TCP_SPLICE", "true")).tcpSplice());
        ProcessConfig.Invalid e = assertThrows(ProcessConfig.Invalid.class,
                () -> ProcessConfig.load(Optional.empty(), Map.of("LB_TCP_SPLICE", "maybe")));
        assertTrue(e.getMessage().contains("lb.tcp.splice"), e.getMessage());
    }

    @Test
    void etcdEndpointsAndDnsServersAreCheckedAtStart() throws Exception {
        ProcessConfig c = ProcessConfig.load(Optional.empty(), Map.of("ETCD_ENDPOINTS",
                "etcd-a, 127.0.0.2:2381,http://etcd-c:2379", "DNS_SERVERS", "127.0.0.1:8600,[::1]:53,10.0.0.2",
                "HAPROXY_ID", "edge-2"));
        assertEquals(List.of(java.net.URI.create("http://etcd-a:2379"),
                java.net.URI.create("http://127.0.0.2:2381"),
                java.net.URI.create("http://etcd-c:2379")), c.etcdUris());
        assertEquals("/haproxy-edge-2", c.etcdPrefix());
        assertTrue(c.discovery(), "an etcd endpoint turns the etcd source on");
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 8600), new InetSocketAddress("::1", 53),
                new InetSocketAddress("10.0.0.2", 53)), c.dnsServerAddresses());
        ProcessConfig.Invalid dns = assertThrows(ProcessConfig.Invalid.class,
                () -> ProcessConfig.load(Optional.empty(), Map.of("DNS_SERVERS", "dns.example:53")));
        assertTrue(dns.getMessage().contains("DNS_SERVERS") && dns.getMessage().contains("lb.dns.servers")
                && dns.getMessage().contains("'dns.example:53' is not an IP address"), dns.getMessage());
        ProcessConfig.Invalid etcd = assertThrows(ProcessConfig.Invalid.class,
                () -> ProcessConfig.load(Optional.empty(), Map.of("ETCD_NODE", "etcd:notaport")));
        assertTrue(etcd.getMessage().contains("lb.etcd.endpoints"), etcd.getMessage());
        ProcessConfig.Invalid mixed = assertThrows(ProcessConfig.Invalid.class, () -> ProcessConfig.load(
                Optional.empty(), Map.of("ETCD_ENDPOINTS", "http://etcd-a:2379,https://etcd-b:2379")));
        assertTrue(mixed.getMessage().contains("mix http and https"), mixed.getMessage());
    }

    @Test
    void consulAddressIsCheckedAtStartAndExcludesEtcd() throws Exception {
        ProcessConfig c = ProcessConfig.load(Optional.empty(), Map.of("CONSUL_HTTP_ADDR", "consul:8500",
                "LB_CONSUL_TAG", "public", "HAPROXY_DOMAIN", "service.example"));
        assertEquals(Optional.of("consul:8500"), c.consulAddress());
        assertEquals(Optional.of("public"), c.consulTag());
        assertEquals(Optional.of("service.example"), c.consulHostSuffix());
        assertTrue(c.discovery(), "a Consul address turns the Consul source on");
        ProcessConfig.Invalid bad = assertThrows(ProcessConfig.Invalid.class,
                () -> ProcessConfig.load(Optional.empty(), Map.of("CONSUL_HTTP_ADDR", "consul:port")));
        assertTrue(bad.getMessage().contains("CONSUL_HTTP_ADDR")
                && bad.getMessage().contains("lb.consul.address"),
                bad.getMessage());
        ProcessConfig.Invalid both = assertThrows(ProcessConfig.Invalid.class, () -> ProcessConfig.load(
                Optional.empty(), Map.of("CONSUL_HTTP_ADDR", "consul:8500", "ETCD_NODE", "etcd")));
        assertTrue(both.getMessage().contains("cannot be set together with lb.etcd.endpoints"),
                both.getMessage());
    }

    @Test
    void consulTokenComesFromTheFileOrConsulHttpTokenAndStaysSecret() throws Exception {
        assertEquals(Optional.empty(), ProcessConfig.load(Optional.empty(), Map.of()).consulToken(),
                "no token by default");
        Path conf = write("lb { consul.address = \"127.0.0.1:8500\"\n consul.token = \"from-file-1b2c\" }");
        assertEquals(Optional.of("from-file-1b2c"),
                ProcessConfig.load(Optional.of(conf), Map.of()).consulToken());
        ProcessConfig c = ProcessConfig.load(Optional.of(conf),
                Map.of("CONSUL_HTTP_TOKEN", " b1946ac9-2d05-4b6e-a6f0-1c5d6c8a8e07\n"));
        assertEquals(Optional.of("b1946ac9-2d05-4b6e-a6f0-1c5d6c8a8e07"), c.consulToken(), "the env wins");
        Path other = Path.of("other.cfg");
        for (ProcessConfig copy : List.of(c, c.withFiles(List.of(other)),
                c.withAdmin(new InetSocketAddress("127.0.0.1", 0), Path.of("a.sock")),
                c.withDrainTimeout(Duration.ZERO))) {
            assertEquals(c.consulToken(), copy.consulToken(), "the copies keep the token");
            assertFalse(copy.toString().contains("b1946ac9"), copy.toString());
            assertTrue(copy.toString().contains("consulToken=<set>"), copy.toString());
        }
        ProcessConfig.Invalid bad = assertThrows(ProcessConfig.Invalid.class, () -> ProcessConfig.load(
                Optional.empty(), Map.of("CONSUL_HTTP_TOKEN", "secret part2")));
        assertTrue(bad.getMessage().startsWith("environment variable CONSUL_HTTP_TOKEN: lb.consul.token: "),
                bad.getMessage());
        assertFalse(bad.getMessage().contains("secret"), "not echoed: " + bad.getMessage());
    }

    @Test
    void confdSpellingOfTheIdIsAccepted() throws Exception {
        assertEquals("lb-7", ProcessConfig.load(Optional.empty(), Map.of("HAPROXY-ID", "lb-7")).id());
    }

    @Test
    void unknownKeyIsNamed() throws Exception {
        Path conf = write("lb { drain-timout = 5s }");
        ProcessConfig.Invalid e = assertThrows(ProcessConfig.Invalid.class,
                () -> ProcessConfig.load(Optional.of(conf), Map.of()));
        assertTrue(e.getMessage().contains("lb.drain-timout") && e.getMessage().contains("unknown key"),
                e.getMessage());
    }

    @Test
    void badEnvValueNamesTheVariableAndKey() {
        ProcessConfig.Invalid e = assertThrows(ProcessConfig.Invalid.class,
                () -> ProcessConfig.load(Optional.empty(), Map.of("LB_ADMIN_BIND", "localhost:notaport")));
        assertTrue(e.getMessage().contains("LB_ADMIN_BIND") && e.getMessage().contains("lb.admin.bind"),
                e.getMessage());
    }

    @Test
    void badDurationIsNamed() throws Exception {
        Path conf = write("lb.drain-timeout = soon");
        ProcessConfig.Invalid e = assertThrows(ProcessConfig.Invalid.class,
                () -> ProcessConfig.load(Optional.of(conf), Map.of()));
        assertTrue(e.getMessage().contains("lb.drain-timeout"), e.getMessage());
    }

    @Test
    void missingConfFileIsAnError() {
        ProcessConfig.Invalid e = assertThrows(ProcessConfig.Invalid.class,
                () -> ProcessConfig.load(Optional.of(dir.resolve("nope.conf")), Map.of()));
        assertTrue(e.getMessage().contains("nope.conf"), e.getMessage());
    }

    private Path write(String text) throws IOException {
        Path p = dir.resolve("lb.conf");
        Files.writeString(p, text);
        return p;
    }
}
