package dev.lb.bench;

import dev.lb.core.route.RouteIndex;
import dev.lb.core.route.Rule;
import dev.lb.core.table.Backend;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One {@code use_backend} lookup among N consul-shaped routes, for the first and the last
 * declared route: with the {@link RouteIndex} and with the rule-by-rule scan HAProxy does.
 * The index should cost about the same for both and for any N; the scan grows with the
 * position of the matching rule.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouteLookupBenchmark {

    @Param({"10", "1000", "10000"})
    int routes;

    @Param({"HOST", "PATH"})
    ConsulShapedRoutes shape;

    private RouteIndex index;
    private Rule[] rules;
    private BenchRequest first;
    private BenchRequest last;

    @Setup
    public void setUp() {
        List<Rule> list = shape.rules(routes);
        index = RouteIndex.build(list);
        rules = list.toArray(new Rule[0]);
        first = shape.requestFor(0);
        last = shape.requestFor(routes - 1);
        check(index.route(first), list.get(0));
        check(index.route(last), list.get(routes - 1));
        if (index.fallbackRuleCount() != 0) {
            throw new IllegalStateException("rules were not indexed: " + index.fallbackRuleCount());
        }
    }

    @Benchmark
    public Backend indexFirst() {
        return index.route(first);
    }

    @Benchmark
    public Backend indexLast() {
        return index.route(last);
    }

    @Benchmark
    public Backend linearFirst() {
        return linear(first);
    }

    @Benchmark
    public Backend linearLast() {
        return linear(last);
    }

    private Backend linear(BenchRequest request) {
        for (Rule r : rules) {
            if (r.condition().test(request)) {
                return r.backend();
            }
        }
        return null;
    }

    private static void check(Backend got, Rule expected) {
        if (got != expected.backend()) {
            throw new IllegalStateException("expected " + expected.backend().name() + ", got " + got);
        }
    }
}
