package dev.lb.bench;

import dev.lb.core.match.Fetch;
import dev.lb.core.match.Match;
import dev.lb.core.match.MatchMethod;
import dev.lb.core.route.Rule;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Server;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Rules as consul-template writes them, one service after another: by host
 * ({@code acl host_svcI hdr(host) -i svcI.example.com}) or by path ({@code path_beg /svcI/}),
 * each followed by {@code use_backend svcI if host_svcI}.
 */
public enum ConsulShapedRoutes {
    HOST {
        @Override
        Match condition(int i) {
            return new Match(Fetch.HEADER, "host", MatchMethod.STR, true, List.of(host(i)));
        }
    },
    PATH {
        @Override
        Match condition(int i) {
            return new Match(Fetch.PATH, "", MatchMethod.BEG, false, List.of(pathPrefix(i)));
        }
    };

    abstract Match condition(int i);

    List<Rule> rules(int count) {
        List<Rule> rules = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Backend backend = Backend.builder("svc" + i)
                    .servers(List.of(Server.builder("s1", new InetSocketAddress("127.0.0.1", 8000)).build()))
                    .build();
            rules.add(new Rule(condition(i), backend, "bench.cfg:" + (2 * i + 2)));
        }
        return rules;
    }

    /** A request that only rule {@code i} matches. */
    BenchRequest requestFor(int i) {
        return this == HOST
                ? new BenchRequest(host(i), "/index.html")
                : new BenchRequest("www.example.com", pathPrefix(i) + "api/v1/items");
    }

    static String host(int i) {
        return "svc" + i + ".example.com";
    }

    static String pathPrefix(int i) {
        return "/svc" + i + "/";
    }
}
