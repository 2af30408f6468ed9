package dev.lb.discovery.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class SystemResolversTest {

    @Test
    void readsServersSearchDomainsAndNdots() {
        SystemResolvers r = SystemResolvers.parse("""
                # Docker
                nameserver 127.0.0.11
                nameserver ::1
                nameserver not-an-ip
                domain ignored.example
                search svc.cluster.local Cluster.Local.
                options edns0 ndots:5
                """);
        assertEquals(List.of(new InetSocketAddress("127.0.0.11", 53), new InetSocketAddress("::1", 53)),
                r.nameservers());
        assertEquals(List.of("svc.cluster.local", "cluster.local"), r.searchDomains());
        assertEquals(5, r.ndots());
    }

    @Test
    void withoutAFileAsksTheLocalServerLikeLibc() {
        SystemResolvers r = SystemResolvers.parse("");
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 53)), r.nameservers());
        assertEquals(List.of(), r.searchDomains());
        assertEquals(1, r.ndots());
    }
}
