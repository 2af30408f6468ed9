package dev.lb.core.route;

import dev.lb.core.match.Condition;
import dev.lb.core.match.Fetch;
import dev.lb.core.match.Match;
import dev.lb.core.match.MatchMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sorts the clauses of each rule into the index (a host equality and/or a path prefix or
 * exact path, each possibly with several patterns) and the fallback list (everything else,
 * tested in rule order), and builds the {@link RouteIndex}.
 */
final class RouteIndexCompiler {

    /**
     * A clause with H host and P path patterns stands for H x P index entries; beyond this it
     * is cheaper to scan it than to index it.
     */
    static final int MAX_ENTRIES_PER_CLAUSE = 4096;

    private final HostRoutes.Builder anyHost = new HostRoutes.Builder();
    /**
     * Host to its {@link HostRoutes.Builder} while rules are added, then to the built
     * {@link HostRoutes} in place: copying 30,000 hosts into a second map cost a tenth of a
     * 10,000-service rebuild.
     */
    private final HashMap<String, Object> exactHosts;
    private final HashMap<String, Object> foldedHosts;
    private final List<Integer> fallbackRules = new ArrayList<>();
    private final List<Condition> fallbackConditions = new ArrayList<>();
    private boolean anyHostUsed;
    private boolean pathUsed;

    /** Sized for a few host names per rule: 10,000 rules would otherwise grow the maps 12 times. */
    private RouteIndexCompiler(int rules) {
        exactHosts = new HashMap<>(rules * 2);
        foldedHosts = new HashMap<>(rules * 4);
    }

    static RouteIndex compile(List<Rule> rules) {
        RouteIndexCompiler c = new RouteIndexCompiler(rules.size());
        for (int i = 0; i < rules.size(); i++) {
            c.add(i, rules.get(i).condition());
        }
        return c.build(rules);
    }

    private void add(int rule, Condition condition) {
        Optional<List<Clause>> clauses = ClauseNormalizer.clauses(condition);
        if (clauses.isEmpty()) {
            fallback(rule, condition);
            return;
        }
        List<Condition> scanned = new ArrayList<>();
        for (Clause clause : clauses.get()) {
            if (!index(rule, clause)) {
                scanned.add(clause.asCondition());
            }
        }
        if (!scanned.isEmpty()) {
            fallback(rule, scanned.size() == 1 ? scanned.get(0) : new Condition.AnyOf(scanned));
        }
    }

    private void fallback(int rule, Condition condition) {
        fallbackRules.add(rule);
        fallbackConditions.add(condition);
    }

    /** Indexes {@code clause} if it has the indexable shape; false when it must be scanned. */
    private boolean index(int rule, Clause clause) {
        Match host = null;
        Match path = null;
        for (Condition literal : clause.literals()) {
            if (!(literal instanceof Match m)) {
                return false;
            }
            if (m.isHostEquality() && host == null) {
                host = m;
            } else if (isPathTerm(m) && path == null) {
                path = m;
            } else {
                return false;
            }
        }
        long entries = (long) (host == null ? 1 : host.patterns().size())
                * (path == null ? 1 : path.patterns().size());
        if (entries > MAX_ENTRIES_PER_CLAUSE) {
            return false;
        }
        // A term with no pattern never matches, so neither does the clause: nothing to index.
        if (host == null) {
            anyHostUsed = true;
            addPaths(anyHost, path, rule);
            return true;
        }
        Map<String, Object> hosts = host.ignoreCase() ? foldedHosts : exactHosts;
        for (String h : host.patterns()) {
            addPaths((HostRoutes.Builder) hosts.computeIfAbsent(h, k -> new HostRoutes.Builder()), path, rule);
        }
        return true;
    }

    private void addPaths(HostRoutes.Builder routes, Match path, int rule) {
        if (path == null) {
            routes.addAnyPath(rule);
            return;
        }
        pathUsed = true;
        for (String p : path.patterns()) {
            routes.addPath(p, path.ignoreCase(), path.isPathPrefix(), rule);
        }
    }

    private static boolean isPathTerm(Match m) {
        return m.isPathPrefix() || (m.fetch() == Fetch.PATH && m.method() == MatchMethod.STR);
    }

    /** Replaces each builder of {@code hosts} by what it built; the map then holds only those. */
    @SuppressWarnings("unchecked")
    private static Map<String, HostRoutes> built(HashMap<String, Object> hosts) {
        hosts.replaceAll((h, b) -> ((HostRoutes.Builder) b).build());
        return (Map<String, HostRoutes>) (Map<String, ?>) hosts;
    }

    private RouteIndex build(List<Rule> rules) {
        Map<String, HostRoutes> exact = built(exactHosts);
        Map<String, HostRoutes> folded = built(foldedHosts);
        int[] fr = fallbackRules.stream().mapToInt(Integer::intValue).toArray();
        return new RouteIndex(rules, anyHostUsed ? anyHost.build() : null, exact, folded, pathUsed,
                fr, fallbackConditions.toArray(new Condition[0]));
    }
}
