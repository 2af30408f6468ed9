package dev.lb.core.table;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.action.TcpRequestRule;
import dev.lb.core.match.Conditions;
import dev.lb.core.match.Fetch;
import dev.lb.core.match.RequestFacts;
import dev.lb.core.route.RouteIndex;
import dev.lb.core.route.Rule;
import dev.lb.core.stats.ProxyCounters;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A {@code frontend} (or the frontend half of a {@code listen}): where clients arrive and where they go. */
public final class Frontend {

    private final String name;
    private final Mode mode;
    private final List<Bind> binds;
    private final RouteIndex routes;
    private final Backend defaultBackend;
    private final List<HttpRequestAction> actions;
    private final boolean forwardFor;
    private final boolean httpServerClose;
    private final int maxconn;
    private final Timeouts timeouts;
    private final Duration inspectDelay;
    private final List<TcpRequestRule> tcpRules;
    private final boolean inspectsPayload;
    private final String location;
    private final ProxyCounters counters;

    private Frontend(Builder b) {
        this.name = Objects.requireNonNull(b.name);
        this.mode = b.mode;
        this.binds = List.copyOf(b.binds);
        this.routes = RouteIndex.build(b.rules);
        this.defaultBackend = b.defaultBackend;
        this.actions = List.copyOf(b.actions);
        this.forwardFor = b.forwardFor;
        this.httpServerClose = b.httpServerClose;
        this.maxconn = b.maxconn;
        this.timeouts = b.timeouts;
        this.inspectDelay = b.inspectDelay;
        this.tcpRules = List.copyOf(b.tcpRules);
        this.location = b.location;
        this.counters = b.counters != null ? b.counters : new ProxyCounters();
        this.inspectsPayload = computeInspectsPayload();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * The backend for a request: the first {@code use_backend} whose condition holds, else
     * {@code default_backend}, else {@code null} (the caller answers 503).
     */
    public Backend select(RequestFacts request) {
        Backend b = routes.route(request);
        return b != null ? b : defaultBackend;
    }

    public String name() {
        return name;
    }

    public Mode mode() {
        return mode;
    }

    public List<Bind> binds() {
        return binds;
    }

    public RouteIndex routes() {
        return routes;
    }

    public Optional<Backend> defaultBackend() {
        return Optional.ofNullable(defaultBackend);
    }

    /** {@code http-request} rules of this frontend, in order. */
    public List<HttpRequestAction> actions() {
        return actions;
    }

    public boolean forwardFor() {
        return forwardFor;
    }

    public boolean httpServerClose() {
        return httpServerClose;
    }

    /** {@code maxconn}: concurrent client connections, 0 for no limit. */
    public int maxconn() {
        return maxconn;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /** {@code tcp-request inspect-delay}: how long a mode tcp frontend waits for the first bytes. */
    public Duration inspectDelay() {
        return inspectDelay;
    }

    /** {@code tcp-request connection|content} rules, in order. */
    public List<TcpRequestRule> tcpRules() {
        return tcpRules;
    }

    /**
     * Whether routing a new connection reads its first bytes: a content rule or a
     * {@code use_backend} looks at the payload ({@code req_ssl_sni}, {@code req_ssl_hello_type}).
     */
    public boolean inspectsPayload() {
        return inspectsPayload;
    }

    /** Computed once per table rather than per connection. */
    private boolean computeInspectsPayload() {
        if (mode != Mode.TCP || inspectDelay.isZero()) {
            return false;
        }
        if (tcpRules.stream().anyMatch(TcpRequestRule::content)) {
            return true;
        }
        return routes.rules().stream().anyMatch(r -> Conditions.reads(r.condition(), Fetch::isPayload));
    }

    public String location() {
        return location;
    }

    /** Traffic counters; the same object as the previous table's frontend of this name, if any. */
    public ProxyCounters counters() {
        return counters;
    }

    /** Canonical text for dumps and golden tests. */
    public String describe() {
        StringBuilder sb = new StringBuilder("frontend ").append(name).append('\n')
                .append("  mode ").append(mode.name().toLowerCase(java.util.Locale.ROOT)).append('\n');
        for (Bind b : binds) {
            sb.append("  bind ").append(b.describe()).append(b.acceptProxy() ? " accept-proxy" : "")
                    .append('\n');
        }
        if (maxconn > 0) {
            sb.append("  maxconn ").append(maxconn).append('\n');
        }
        if (forwardFor) {
            sb.append("  option forwardfor\n");
        }
        if (httpServerClose) {
            sb.append("  option http-server-close\n");
        }
        sb.append("  timeouts ").append(TableText.timeouts(timeouts)).append('\n');
        if (!inspectDelay.isZero()) {
            sb.append("  tcp-request inspect-delay ").append(inspectDelay.toMillis()).append("ms\n");
        }
        for (TcpRequestRule r : tcpRules) {
            sb.append("  tcp-request ").append(r.describe()).append('\n');
        }
        for (HttpRequestAction a : actions) {
            sb.append("  http-request ").append(a.describe()).append('\n');
        }
        for (Rule r : routes.rules()) {
            sb.append("  use_backend ").append(r.backend().name()).append(" if ")
                    .append(r.condition().describe()).append('\n');
        }
        if (defaultBackend != null) {
            sb.append("  default_backend ").append(defaultBackend.name()).append('\n');
        }
        return sb.toString();
    }

    /** Builder for {@link Frontend}. */
    public static final class Builder {
        private final String name;
        private Mode mode = Mode.HTTP;
        private List<Bind> binds = List.of();
        private List<Rule> rules = List.of();
        private Backend defaultBackend;
        private List<HttpRequestAction> actions = List.of();
        private boolean forwardFor;
        private boolean httpServerClose;
        private int maxconn;
        private Timeouts timeouts = Timeouts.DEFAULTS;
        private Duration inspectDelay = Duration.ZERO;
        private List<TcpRequestRule> tcpRules = List.of();
        private String location = "";
        private ProxyCounters counters;

        private Builder(String name) {
            this.name = name;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        public Builder binds(List<Bind> binds) {
            this.binds = binds;
            return this;
        }

        public Builder rules(List<Rule> rules) {
            this.rules = rules;
            return this;
        }

        public Builder defaultBackend(Backend defaultBackend) {
            this.defaultBackend = defaultBackend;
            return this;
        }

        public Builder actions(List<HttpRequestAction> actions) {
            this.actions = actions;
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

        public Builder maxconn(int maxconn) {
            this.maxconn = maxconn;
            return this;
        }

        public Builder timeouts(Timeouts timeouts) {
            this.timeouts = timeouts;
            return this;
        }

        public Builder inspectDelay(Duration inspectDelay) {
            this.inspectDelay = inspectDelay;
            return this;
        }

        public Builder tcpRules(List<TcpRequestRule> tcpRules) {
            this.tcpRules = tcpRules;
            return this;
        }

        public Builder location(String location) {
            this.location = location;
            return this;
        }

        /** Carries the counters over from the previous table's frontend of the same name. */
        public Builder counters(ProxyCounters counters) {
            this.counters = counters;
            return this;
        }

        public Frontend build() {
            return new Frontend(this);
        }
    }
}
