package dev.lb.core.table;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the data planes need, as one immutable snapshot: frontends with their compiled
 * rules, backends with their servers and balancers, a version and the sources it came from.
 * A new configuration is a new table; see {@link TableRef} for the one place it is published.
 */
public final class RoutingTable {

    /** The table before any configuration was loaded: no listeners, no backends. */
    public static final RoutingTable EMPTY = new RoutingTable(0, List.of(), List.of(), List.of());

    private final long version;
    private final List<String> sources;
    private final List<Frontend> frontends;
    private final Map<String, Backend> backends;
    private final Map<InetSocketAddress, Frontend> frontendsByBind;
    private final List<StatsSection> statsSections;

    public RoutingTable(long version, List<String> sources, List<Frontend> frontends, List<Backend> backends) {
        this(version, sources, frontends, backends, List.of());
    }

    public RoutingTable(long version, List<String> sources, List<Frontend> frontends, List<Backend> backends,
            List<StatsSection> statsSections) {
        this.version = version;
        this.statsSections = List.copyOf(statsSections);
        this.sources = List.copyOf(sources);
        this.frontends = List.copyOf(frontends);
        Map<String, Backend> byName = new LinkedHashMap<>();
        for (Backend b : backends) {
            if (byName.putIfAbsent(b.name(), b) != null) {
                throw new IllegalArgumentException("two backends named " + b.name());
            }
        }
        this.backends = java.util.Collections.unmodifiableMap(byName);
        Map<InetSocketAddress, Frontend> byBind = new LinkedHashMap<>();
        for (Frontend f : frontends) {
            for (Bind b : f.binds()) {
                Frontend other = byBind.putIfAbsent(b.address(), f);
                if (other != null) {
                    throw new IllegalArgumentException(b.location() + ": frontend " + f.name() + " binds "
                            + b.describe() + ", already bound by frontend " + other.name());
                }
            }
        }
        this.frontendsByBind = java.util.Collections.unmodifiableMap(byBind);
    }

    /** Increases with every published table. */
    public long version() {
        return version;
    }

    /** Where the configuration came from (file paths, later discovery sources). */
    public List<String> sources() {
        return sources;
    }

    public List<Frontend> frontends() {
        return frontends;
    }

    /** Backends by name, in declaration order. */
    public Map<String, Backend> backends() {
        return backends;
    }

    /**
     * The frontend listening on {@code bind}, or {@code null}. Listeners are keyed by address, so
     * a listener that survives a reload finds its (possibly changed) frontend here per request.
     */
    public Frontend frontendAt(InetSocketAddress bind) {
        return frontendsByBind.get(bind);
    }

    /** Every bind address of every frontend, with its frontend. */
    public Map<InetSocketAddress, Frontend> frontendsByBind() {
        return frontendsByBind;
    }

    /** The sections that serve the stats page ({@code stats enable}), for the admin plane. */
    public List<StatsSection> statsSections() {
        return statsSections;
    }

    public Optional<Backend> backend(String name) {
        return Optional.ofNullable(backends.get(name));
    }

    /** The same table under another version number (for publishing a freshly built one). */
    public RoutingTable withVersion(long newVersion) {
        return new RoutingTable(newVersion, sources, frontends, List.copyOf(backends.values()), statsSections);
    }

    /**
     * Canonical text of the whole table, stable across builds of the same configuration: what
     * golden tests compare and what the admin API shows. The version is not part of it.
     */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        for (Frontend f : frontends) {
            sb.append(f.describe());
        }
        for (Backend b : backends.values()) {
            sb.append(b.describe());
        }
        for (StatsSection s : statsSections) {
            sb.append(s.describe());
        }
        return sb.toString();
    }
}
