package dev.lb.discovery.etcd;

import dev.lb.core.dns.DnsLookup;
import dev.lb.discovery.SourcePipeline;
import dev.lb.discovery.SourceState;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Supplier;

/**
 * The etcd source's part of the configuration: the latest keys, rendered by
 * {@link EtcdServices} whenever the pipeline rebuilds. Before the first read it renders no
 * service, so lb.http.bind is served (503 for every host) from the start.
 */
public final class EtcdPart implements SourcePipeline.Part {

    private final EtcdServices services;
    private final Supplier<SourceState> state;
    private volatile SortedMap<String, String> latest = Collections.emptySortedMap();
    private volatile Map<String, String> certificates = Map.of();

    /**
     * @param prefix the watched prefix, {@code /haproxy-<id>}
     * @param httpBind lb.http.bind
     * @param state the source's state, for the admin page
     */
    public EtcdPart(String prefix, InetSocketAddress httpBind, Supplier<SourceState> state) {
        this.services = new EtcdServices(prefix, httpBind);
        this.state = state;
    }

    /**
     * New keys from the source (not copied: pass an unmodifiable map); the caller then tells
     * the pipeline that something changed.
     */
    public void update(SortedMap<String, String> keys) {
        // EtcdSnapshot's keys are already an immutable copy: no second copy of a large table.
        latest = keys;
    }

    @Override
    public SourcePipeline.Rendered render(DnsLookup dns) {
        EtcdServices.Rendered r = services.render(latest, dns);
        certificates = r.certificates();
        return new SourcePipeline.Rendered(List.of(r.text()), r.dnsQueries(), r.problems());
    }

    /**
     * The PEM bundles under {@code certs/}, by name, as last rendered: kept for TLS termination,
     * which lb does not do yet.
     */
    public Map<String, String> certificates() {
        return certificates;
    }

    @Override
    public SourceState state() {
        return state.get();
    }
}
