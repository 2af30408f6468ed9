package dev.lb.core.route;

import dev.lb.core.match.Condition;
import dev.lb.core.match.RequestFacts;
import dev.lb.core.table.Backend;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code use_backend} rules of one frontend, compiled for lookup. The answer is always
 * the backend of the first rule (in file order) whose condition holds, as in HAProxy, but a
 * lookup does not test the rules one by one.
 *
 * <p>Each condition is put in OR-of-ANDs form. A clause that is only a Host equality
 * ({@code hdr(host)}, with or without {@code -i}) and/or a path prefix ({@code path_beg}) or
 * exact path ({@code path}) is indexed: a hash map per Host value leads to prefix trees whose
 * nodes know the lowest rule number ending there. Every other clause is a fallback, tested in
 * rule order, and only while its rule number is lower than the best indexed match: fallbacks
 * can never reorder the answer, and those after the winner are never evaluated.
 *
 * <p>{@code hdr(host)} compares the raw header: {@code example.com:80} does not equal
 * {@code example.com}, as in HAProxy.
 */
public final class RouteIndex {

    private final List<Rule> rules;
    private final Backend[] backends;
    private final HostRoutes anyHost;
    private final Map<String, HostRoutes> exactHosts;
    private final Map<String, HostRoutes> foldedHosts;
    private final boolean readsPath;
    private final int[] fallbackRules;
    private final Condition[] fallbackConditions;

    RouteIndex(List<Rule> rules, HostRoutes anyHost, Map<String, HostRoutes> exactHosts,
            Map<String, HostRoutes> foldedHosts, boolean readsPath, int[] fallbackRules,
            Condition[] fallbackConditions) {
        this.rules = List.copyOf(rules);
        this.backends = this.rules.stream().map(Rule::backend).toArray(Backend[]::new);
        this.anyHost = anyHost;
        this.exactHosts = exactHosts;
        this.foldedHosts = foldedHosts;
        this.readsPath = readsPath;
        this.fallbackRules = fallbackRules;
        this.fallbackConditions = fallbackConditions;
    }

    public static RouteIndex build(List<Rule> rules) {
        return RouteIndexCompiler.compile(List.copyOf(rules));
    }

    /** The rules in file order. */
    public List<Rule> rules() {
        return rules;
    }

    /**
     * How many rules have at least one clause the index cannot hold, and are tested one by one
     * (up to the best indexed match). For reports: a high count means lookups approach a scan.
     */
    public int fallbackRuleCount() {
        return fallbackRules.length;
    }

    /** The backend of the first matching rule, or {@code null} when none matches. */
    public Backend route(RequestFacts request) {
        int best = PrefixTrie.NONE;
        String path = readsPath ? request.path() : null;
        if (anyHost != null) {
            best = anyHost.lookup(path, best);
        }
        if (best != 0 && !(exactHosts.isEmpty() && foldedHosts.isEmpty())) {
            String host = request.host();
            if (host != null) {
                HostRoutes h = exactHosts.get(host);
                if (h != null) {
                    best = h.lookup(path, best);
                }
                if (!foldedHosts.isEmpty()) {
                    h = foldedHosts.get(host.toLowerCase(Locale.ROOT));
                    if (h != null) {
                        best = h.lookup(path, best);
                    }
                }
            }
        }
        // Sorted by rule number, so the first one that holds is the lowest.
        for (int i = 0; i < fallbackRules.length && fallbackRules[i] < best; i++) {
            if (fallbackConditions[i].test(request)) {
                best = fallbackRules[i];
                break;
            }
        }
        return best == PrefixTrie.NONE ? null : backends[best];
    }
}
