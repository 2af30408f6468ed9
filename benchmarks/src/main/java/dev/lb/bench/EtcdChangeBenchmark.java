package dev.lb.bench;

import dev.lb.core.config.ConfigException;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.config.LoadResult;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.table.RoutingTable;
import dev.lb.discovery.etcd.EtcdServices;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
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
 * What the pipeline does for one {@code etcdctl put} when etcd holds N services: render the
 * confd key layout to haproxy.cfg text and compile it as the successor of the last table. The
 * put moves one service's port back and forth, as EtcdPropagationTest does; both snapshots are
 * made up front (EtcdSource's copy per change is not measured).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class EtcdChangeBenchmark {

    @Param({"10000"})
    int services;

    private final SortedMap<String, String>[] snapshots = snapshotArray();
    private EtcdServices etcd;
    private RoutingTable previous;
    private int change;

    @SuppressWarnings("unchecked")
    private static SortedMap<String, String>[] snapshotArray() {
        return (SortedMap<String, String>[]) new SortedMap<?, ?>[2];
    }

    @Setup
    public void setUp() throws ConfigException {
        TreeMap<String, String> keys = new TreeMap<>();
        for (int i = 0; i < services; i++) {
            String svc = "services/s" + i + "/";
            keys.put(svc + "servers/1", "127.0.0.41");
            keys.put(svc + "port", "80");
            keys.put(svc + "domain", "s" + i + ".example");
        }
        keys.put("services/p/servers/1", "127.0.0.40");
        keys.put("services/p/domain", "p.example");
        for (int i = 0; i < 2; i++) {
            keys.put("services/p/port", String.valueOf(9001 + i));
            snapshots[i] = Collections.unmodifiableSortedMap(new TreeMap<>(keys));
        }
        etcd = new EtcdServices("/haproxy-bench", new InetSocketAddress("127.0.0.1", 8080));
        previous = HaproxyConfigLoader.compile(List.of(etcd.render(snapshots[0], DnsLookup.NONE).text()),
                RoutingTable.EMPTY, DnsLookup.NONE).table();
    }

    @Benchmark
    public LoadResult renderAndCompileOneChange() throws ConfigException {
        change++;
        EtcdServices.Rendered r = etcd.render(snapshots[change & 1], DnsLookup.NONE);
        LoadResult result = HaproxyConfigLoader.compile(List.of(r.text()), previous, DnsLookup.NONE);
        previous = result.table();
        return result;
    }
}
