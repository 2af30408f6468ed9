package dev.lb.core.table;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.balance.Algorithm;
import dev.lb.core.balance.Balancer;
import dev.lb.core.balance.Balancers;
import dev.lb.core.stats.ProxyCounters;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A {@code backend} (or the backend half of a {@code listen}): servers and how to use them. */
public final class Backend {

    private final String name;
    private final Mode mode;
    private final Algorithm algorithm;
    private final List<Server> servers;
    private final Balancer balancer;
    private final int retries;
    private final boolean redispatch;
    private final boolean forwardFor;
    private final boolean httpServerClose;
    private final List<HttpRequestAction> actions;
    private final Timeouts timeouts;
    private final Optional<HttpCheck> httpCheck;
    private final String location;
    private final ProxyCounters counters;

    private Backend(Builder b) {
        this.name = Objects.requireNonNull(b.name);
        this.mode = b.mode;
        this.algorithm = b.algorithm;
        this.servers = List.copyOf(b.servers);
        this.balancer = Balancers.create(b.algorithm, this.servers);
        this.retries = b.retries;
        this.redispatch = b.redispatch;
        this.forwardFor = b.forwardFor;
        this.httpServerClose = b.httpServerClose;
        this.actions = List.copyOf(b.actions);
        this.timeouts = b.timeouts;
        this.httpCheck = Objects.requireNonNull(b.httpCheck);
        this.location = b.location;
        this.counters = b.counters != null ? b.counters : new ProxyCounters();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public Mode mode() {
        return mode;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public List<Server> servers() {
        return servers;
    }

    public Balancer balancer() {
        return balancer;
    }

    /** {@code retries}: further connect attempts after the first fails (HAProxy default 3). */
    public int retries() {
        return retries;
    }

    /** {@code option redispatch}: retries may go to another server. */
    public boolean redispatch() {
        return redispatch;
    }

    /** {@code option forwardfor} set on this backend. */
    public boolean forwardFor() {
        return forwardFor;
    }

    /** {@code option http-server-close}: close the server connection after each response. */
    public boolean httpServerClose() {
        return httpServerClose;
    }

    /** {@code http-request} rules of this backend, in order. */
    public List<HttpRequestAction> actions() {
        return actions;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /**
     * {@code option httpchk}: servers with {@code check} are checked with this HTTP request;
     * empty for a plain TCP connect check.
     */
    public Optional<HttpCheck> httpCheck() {
        return httpCheck;
    }

    /** {@code file:line} of the section header. */
    public String location() {
        return location;
    }

    /** Traffic counters; the same object as the previous table's backend of this name, if any. */
    public ProxyCounters counters() {
        return counters;
    }

    /** Canonical text for dumps and golden tests. */
    public String describe() {
        StringBuilder sb = new StringBuilder("backend ").append(name).append('\n')
                .append("  mode ").append(mode.name().toLowerCase(java.util.Locale.ROOT)).append('\n')
                .append("  balance ").append(algorithm.keyword()).append('\n')
                .append("  retries ").append(retries).append(redispatch ? " redispatch" : "").append('\n');
        if (forwardFor) {
            sb.append("  option forwardfor\n");
        }
        if (httpServerClose) {
            sb.append("  option http-server-close\n");
        }
        sb.append("  timeouts ").append(TableText.timeouts(timeouts)).append('\n');
        if (servers.stream().anyMatch(Server::check)) {
            // Zero means unset: then each server's inter bounds its checks, as in HAProxy.
            sb.append("  check ").append(httpCheck.map(HttpCheck::describe).orElse("tcp-connect"))
                    .append(" timeout ").append(timeouts.check().isZero() ? "inter"
                            : timeouts.check().toMillis() + "ms").append('\n');
        }
        for (HttpRequestAction a : actions) {
            sb.append("  http-request ").append(a.describe()).append('\n');
        }
        for (Server s : servers) {
            sb.append("  ").append(s.describe()).append('\n');
        }
        return sb.toString();
    }

    /** Builder for {@link Backend}; defaults as HAProxy's. */
    public static final class Builder {
        private final String name;
        private Mode mode = Mode.HTTP;
        private Algorithm algorithm = Algorithm.ROUNDROBIN;
        private List<Server> servers = List.of();
        private int retries = 3;
        private boolean redispatch;
        private boolean forwardFor;
        private boolean httpServerClose;
        private List<HttpRequestAction> actions = List.of();
        private Timeouts timeouts = Timeouts.DEFAULTS;
        private Optional<HttpCheck> httpCheck = Optional.empty();
        private String location = "";
        private ProxyCounters counters;

        private Builder(String name) {
            this.name = name;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        public Builder algorithm(Algorithm algorithm) {
            this.algorithm = algorithm;
            return this;
        }

        public Builder servers(List<Server> servers) {
            this.servers = servers;
            return this;
        }

        public Builder retries(int retries) {
            this.retries = retries;
            return this;
        }

        public Builder redispatch(boolean redispatch) {
            this.redispatch = redispatch;
            return this;
        }

        public Builder forwardFor(boolean forwardFor) {
            this.forwardFor = forwardFor;
            return this;
        }

        public Builder httpServerClose(boolean httpServerClose) {
            this.httpServerClose = httpServerClose;
            return this;
        }

        public Builder actions(List<HttpRequestAction> actions) {
            this.actions = actions;
            return this;
        }

        public Builder timeouts(Timeouts timeouts) {
            this.timeouts = timeouts;
            return this;
        }

        /** {@code option httpchk}; empty (the default) for TCP connect checks. */
        public Builder httpCheck(Optional<HttpCheck> httpCheck) {
            this.httpCheck = httpCheck;
            return this;
        }

        public Builder location(String location) {
            this.location = location;
            return this;
        }

        /** Carries the counters over from the previous table's backend of the same name. */
        public Builder counters(ProxyCounters counters) {
            this.counters = counters;
            return this;
        }

        public Backend build() {
            return new Backend(this);
        }
    }
}
