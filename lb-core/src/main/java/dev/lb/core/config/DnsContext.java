package dev.lb.core.config;

import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.ResolversSpec;
import dev.lb.core.table.Backend;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import java.net.InetSocketAddress;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one compilation knows of DNS: the answers available now, the names it asked for (which
 * whoever runs the compiler keeps resolving), the {@code resolvers} sections, and the previous
 * table, so that a server keeps its address while the answer still holds it.
 */
final class DnsContext {

    private final DnsLookup lookup;
    private final Map<String, ResolversSpec> sections;
    private final RoutingTable previous;
    private final Set<DnsQuery> asked = new LinkedHashSet<>();

    DnsContext(DnsLookup lookup, Map<String, ResolversSpec> sections, RoutingTable previous) {
        this.lookup = lookup;
        this.sections = sections;
        this.previous = previous;
    }

    boolean hasSection(String name) {
        return name.equals(DnsQuery.DEFAULT) || sections.containsKey(name);
    }

    /** The current answer for {@code query} ({@code null} while unknown); the query is remembered. */
    DnsAnswer answer(DnsQuery query) {
        asked.add(query);
        return lookup.lookup(query);
    }

    /** The address server {@code name} of backend {@code backend} had in the previous table, or null. */
    InetSocketAddress previousAddress(String backend, String name) {
        Backend b = previous.backends().get(backend);
        if (b == null) {
            return null;
        }
        for (Server s : b.servers()) {
            if (s.name().equals(name)) {
                return s.address();
            }
        }
        return null;
    }

    Set<DnsQuery> asked() {
        return Set.copyOf(asked);
    }

    Map<String, ResolversSpec> sections() {
        return Map.copyOf(sections);
    }
}
