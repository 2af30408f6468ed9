package dev.lb.bench;

import dev.lb.core.config.ConfigException;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.config.LoadResult;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.table.RoutingTable;
import dev.lb.discovery.consul.ConsulServices;
import dev.lb.discovery.consul.ConsulSnapshot;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
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
 * What the pipeline does for one Consul change when the catalog holds N services, each routed
 * by a {@code urlprefix-<host>/} tag: render the snapshot to haproxy.cfg text and compile it as the
 * successor of the last table. The change moves one instance's port back and forth, as
 * ConsulPropagationTest does; both snapshots are made up front (the source's reads are not
 * measured).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ConsulChangeBenchmark {

    @Param({"10000"})
    int services;

    private final ConsulSnapshot[] snapshots = new ConsulSnapshot[2];
    private ConsulServices consul;
    private RoutingTable previous;
    private int change;

    @Setup
    public void setUp() throws ConfigException {
        TreeMap<String, ConsulSnapshot.Service> catalog = new TreeMap<>();
        for (int i = 0; i < services; i++) {
            catalog.put("s" + i, service("s" + i, "127.0.0.41", 80));
        }
        for (int i = 0; i < 2; i++) {
            catalog.put("p", service("p", "127.0.0.40", 9001 + i));
            snapshots[i] = new ConsulSnapshot(i + 1, catalog, new TreeMap<>());
        }
        consul = new ConsulServices("127.0.0.1:8500", new InetSocketAddress("127.0.0.1", 8080),
                Optional.empty());
        previous = HaproxyConfigLoader.compile(List.of(consul.render(snapshots[0]).text()), RoutingTable.EMPTY,
                DnsLookup.NONE).table();
    }

    private static ConsulSnapshot.Service service(String name, String address, int port) {
        List<String> tags = List.of("urlprefix-" + name + ".example/");
        return new ConsulSnapshot.Service(name, tags,
                List.of(new ConsulSnapshot.Instance("node1:" + name + ":80",
                "node1", address, port, tags)));
    }

    @Benchmark
    public LoadResult renderAndCompileOneChange() throws ConfigException {
        change++;
        ConsulServices.Rendered r = consul.render(snapshots[change & 1]);
        LoadResult result = HaproxyConfigLoader.compile(List.of(r.text()), previous, DnsLookup.NONE);
        previous = result.table();
        return result;
    }

    /** The render alone, to tell its share from the compiler's. */
    @Benchmark
    public ConsulServices.Rendered renderOnly() {
        change++;
        return consul.render(snapshots[change & 1]);
    }
}
