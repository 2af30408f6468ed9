package dev.lb.core.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.lb.core.match.Condition;
import dev.lb.core.match.Fetch;
import dev.lb.core.match.Match;
import dev.lb.core.match.MatchMethod;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property test: over thousands of random rule sets and requests, the index answers exactly
 * what a rule-by-rule scan answers. Values are drawn from small pools so that rules collide:
 * shared path prefixes, the same host with and without a port or in another case, {@code -i}
 * mixed with case-sensitive terms, and fallback terms and negations between indexed rules.
 */
class RouteIndexDifferentialTest {

    private static final String[] HOSTS = {
        "a.com", "A.com", "a.COM", "a.com:80", "b.com", "B.com:8080", "svc1.example.com",
        "SVC1.example.com", "svc10.example.com", "x", "", "\u0130.com", "i\u0307.com",
    };
    private static final String[] PATHS = {
        "", "/", "/a", "/A", "/ab", "/abc", "/abc/", "/abc/d", "/ABC/d", "/b", "/b/", "/api",
        "/api/v1", "/API/V1/x", "/api/v10", "/apix", "/\u0130x", "/i\u0307x", "/\u00df", "/SS",
    };
    private static final String[] ADDRESSES = {"10.0.0.1", "10.1.2.3", "192.168.1.1", "::1"};

    @Test
    void indexAgreesWithLinearScanOnRandomRuleSets() throws UnknownHostException {
        SplittableRandom random = new SplittableRandom(20240611L);
        InetAddress[] sources = new InetAddress[ADDRESSES.length];
        for (int i = 0; i < ADDRESSES.length; i++) {
            sources[i] = InetAddress.getByName(ADDRESSES[i]);
        }
        int checked = 0;
        for (int set = 0; set < 3000; set++) {
            List<Rule> rules = new ArrayList<>();
            int n = 1 + random.nextInt(set % 10 == 0 ? 60 : 12);
            for (int r = 0; r < n; r++) {
                rules.add(Rules.rule(condition(random, 0), "b" + r));
            }
            RouteIndex index = RouteIndex.build(rules);
            for (int q = 0; q < 40; q++) {
                TestRequest request = new TestRequest(
                        random.nextInt(12) == 0 ? null : pick(random, HOSTS),
                        random.nextInt(30) == 0 ? null : pick(random, PATHS),
                        random.nextBoolean() ? Map.of("x-tag", pick(random, PATHS)) : Map.of(),
                        random.nextInt(5) == 0 ? null : sources[random.nextInt(sources.length)],
                        random.nextBoolean());
                assertSame(LinearScan.route(rules, request), index.route(request),
                        () -> "route of " + request + " over rules " + describe(rules));
                checked++;
            }
        }
        assertEquals(3000 * 40, checked);
    }

    private static Condition condition(SplittableRandom random, int depth) {
        int kind = random.nextInt(depth >= 2 ? 10 : 14);
        return switch (kind) {
            case 0, 1, 2 -> match(random, Fetch.HEADER, "host", MatchMethod.STR, HOSTS);
            case 3, 4, 5 -> match(random, Fetch.PATH, "", MatchMethod.BEG, PATHS);
            case 6 -> match(random, Fetch.PATH, "", MatchMethod.STR, PATHS);
            case 7 -> fallbackTerm(random);
            case 8 -> random.nextInt(4) == 0 ? new Condition.Always(random.nextBoolean())
                    : match(random, Fetch.HEADER, "host", MatchMethod.STR, HOSTS);
            case 9 -> match(random, Fetch.PATH, "", MatchMethod.BEG, PATHS);
            case 10 -> new Condition.Not(condition(random, depth + 1));
            case 11 -> new Condition.AnyOf(members(random, depth));
            default -> new Condition.AllOf(members(random, depth));
        };
    }

    private static List<Condition> members(SplittableRandom random, int depth) {
        int n = random.nextInt(4);
        List<Condition> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            members.add(condition(random, depth + 1));
        }
        return members;
    }

    private static Condition fallbackTerm(SplittableRandom random) {
        return switch (random.nextInt(6)) {
            case 0 -> match(random, Fetch.HEADER, "host", MatchMethod.DOM, HOSTS);
            case 1 -> match(random, Fetch.HEADER, "host", MatchMethod.BEG, HOSTS);
            case 2 -> new Match(Fetch.PATH, "", MatchMethod.REG, random.nextBoolean(), List.of("^/a.c", "v1$"));
            case 3 -> new Match(Fetch.SRC, "", MatchMethod.IP, false, List.of("10.0.0.0/8"));
            case 4 -> new Match(Fetch.SSL_FC, "", MatchMethod.BOOL, false, List.of());
            default -> match(random, Fetch.HEADER, "x-tag", MatchMethod.BEG, PATHS);
        };
    }

    private static Match match(SplittableRandom random, Fetch fetch, String header, MatchMethod method,
            String[] pool) {
        int n = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(3);
        List<String> patterns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            patterns.add(pick(random, pool));
        }
        return new Match(fetch, header, method, random.nextBoolean(), patterns);
    }

    private static String pick(SplittableRandom random, String[] pool) {
        return pool[random.nextInt(pool.length)];
    }

    private static String describe(List<Rule> rules) {
        StringBuilder sb = new StringBuilder();
        for (Rule r : rules) {
            sb.append("\n  use_backend ").append(r.backend().name())
                    .append(" if ").append(r.condition().describe());
        }
        return sb.toString();
    }
}
