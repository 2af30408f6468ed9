package dev.lb.core.config;

import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.ResolversSpec;
import dev.lb.core.table.RoutingTable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A table built from configuration texts, with the warnings it produced, the DNS names its
 * servers were resolved from (to keep resolving), and the {@code resolvers} sections to use.
 */
public record LoadResult(RoutingTable table, List<ConfigProblem> warnings, Set<DnsQuery> dnsQueries,
        Map<String, ResolversSpec> resolvers) {
}
