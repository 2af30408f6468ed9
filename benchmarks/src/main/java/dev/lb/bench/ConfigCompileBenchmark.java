package dev.lb.bench;

import dev.lb.core.config.ConfigException;
import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.config.LoadResult;
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
 * The whole reload path for a consul-template file of N services: haproxy.cfg text to a
 * routing table (parse, resolve, build balancers and the route index).
 *
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ConfigCompileBenchmark {

    @Param({"10000"})
    int services;

    private List<ConfigText> config;

    @Setup
    public void setUp() {
        config = List.of(new ConfigText("consul.cfg", consulShapedConfig(services)));
    }

    @Benchmark
    public LoadResult compileConsulShapedConfig() throws ConfigException {
        return HaproxyConfigLoader.compile(config);
    }

    /** What consul-template renders for {@code n} services routed by Host. */
    static String consulShapedConfig(int n) {
        StringBuilder sb = new StringBuilder(n * 160)
                .append("defaults\n    mode http\n    timeout connect 5s\n")
                .append("    timeout client 50s\n    timeout server 50s\n\n")
                .append("frontend http-in\n    bind :8080\n");
        for (int i = 0; i < n; i++) {
            sb.append("    acl host_svc").append(i).append(" hdr(host) -i ")
                    .append(ConsulShapedRoutes.host(i)).append('\n')
                    .append("    use_backend svc").append(i).append(" if host_svc").append(i).append('\n');
        }
        for (int i = 0; i < n; i++) {
            sb.append("\nbackend svc").append(i).append('\n')
                    .append("    balance roundrobin\n")
                    .append("    server s1 127.0.0.1:").append(8000 + i % 1000).append(" check\n")
                    .append("    server s2 127.0.0.2:").append(8000 + i % 1000).append(" check\n");
        }
        return sb.toString();
    }
}
