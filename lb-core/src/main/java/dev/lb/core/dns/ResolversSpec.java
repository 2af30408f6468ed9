package dev.lb.core.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * A haproxy.cfg {@code resolvers} section, or lb.conf's {@code lb.dns.*} keys (named
 * {@link DnsQuery#DEFAULT}).
 *
 * @param name the section name
 * @param nameservers where to send queries, in order; empty = the system's resolvers
 * @param holdValid the shortest interval between two resolutions of a name (HAProxy's {@code hold valid})
 * @param timeout how long one query may take ({@code timeout resolve})
 * @param retries queries per resolution before it counts as failed ({@code resolve_retries})
 */
public record ResolversSpec(String name, List<InetSocketAddress> nameservers, Duration holdValid,
        Duration timeout, int retries) {

    public ResolversSpec {
        nameservers = List.copyOf(nameservers);
    }
}
