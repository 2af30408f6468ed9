package dev.lb.discovery.consul;

import dev.lb.core.dns.DnsLookup;
import dev.lb.discovery.SourcePipeline;
import dev.lb.discovery.SourceState;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The Consul source's part of the configuration: the latest snapshot, rendered by
 * {@link ConsulServices}. Before the first read it renders no route, so lb.http.bind is served
 * (503 for every host) from the start.
 */
public final class ConsulPart implements SourcePipeline.Part {

    private static final ConsulSnapshot EMPTY = new ConsulSnapshot(0, new TreeMap<>(), new TreeMap<>());

    private final ConsulServices services;
    private final Supplier<SourceState> state;
    private volatile ConsulSnapshot latest = EMPTY;
    /** The last rendering and the snapshot it came from: a file reload does not render again. */
    private ConsulSnapshot renderedFrom;
    private SourcePipeline.Rendered rendered;

    /**
     * @param location the Consul address, for problem locations
     * @param httpBind lb.http.bind
     * @param hostSuffix lb.consul.host-suffix
     * @param state the source's state, for the admin page
     */
    public ConsulPart(String location, InetSocketAddress httpBind, Optional<String> hostSuffix,
            Supplier<SourceState> state) {
        this.services = new ConsulServices(location, httpBind, hostSuffix);
        this.state = state;
    }

    /** A new snapshot from the source; the caller then tells the pipeline that something changed. */
    public void update(ConsulSnapshot snapshot) {
        latest = snapshot;
    }

    @Override
    public synchronized SourcePipeline.Rendered render(DnsLookup dns) {
        ConsulSnapshot s = latest;
        if (s != renderedFrom) {
            ConsulServices.Rendered r = services.render(s);
            rendered = new SourcePipeline.Rendered(List.of(r.text()), Set.of(), r.problems());
            renderedFrom = s;
        }
        return rendered;
    }

    @Override
    public SourceState state() {
        return state.get();
    }
}
