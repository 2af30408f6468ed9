package dev.lb.bench;

import dev.lb.core.route.RouteIndex;
import dev.lb.core.route.Rule;
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
 * Building the index for 10,000 rules: what every table rebuild (a reload, a Consul change)
 * pays per frontend, off the event loops. The rules are made in setup; parsing is not timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class RouteIndexBuildBenchmark {

    @Param({"10000"})
    int routes;

    @Param({"HOST", "PATH"})
    ConsulShapedRoutes shape;

    private List<Rule> rules;

    @Setup
    public void setUp() {
        rules = shape.rules(routes);
    }

    @Benchmark
    public RouteIndex build() {
        return RouteIndex.build(rules);
    }
}
