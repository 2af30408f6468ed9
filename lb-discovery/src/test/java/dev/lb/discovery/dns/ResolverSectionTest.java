package dev.lb.discovery.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.ResolversSpec;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Which names a section asks for a host name (resolv.conf(5) search rules). */
class ResolverSectionTest {

    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private static final SystemResolvers SYSTEM = new SystemResolvers(
            List.of(new InetSocketAddress("127.0.0.1", 53)), List.of("svc.local", "local"), 2);

    @AfterAll
    static void stop() {
        GROUP.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static ResolverSection section(List<InetSocketAddress> servers) {
        return new ResolverSection(new ResolversSpec(DnsQuery.DEFAULT, servers, Duration.ofSeconds(10),
                Duration.ofSeconds(1), 2), GROUP.next(), SYSTEM);
    }

    @Test
    void systemResolversTrySearchDomainsFirstForShortNames() {
        try (ResolverSection s = section(List.of())) {
            assertEquals(List.of("web.svc.local", "web.local", "web"), s.candidates("web"));
            assertEquals(List.of("a.b.c", "a.b.c.svc.local", "a.b.c.local"), s.candidates("a.b.c"));
            assertEquals("127.0.0.1:53", s.serversText());
        }
    }

    @Test
    void explicitServersAskTheNameOnly() {
        try (ResolverSection s = section(List.of(new InetSocketAddress("127.0.0.1", 5353)))) {
            assertEquals(List.of("web"), s.candidates("web"));
        }
    }
}
