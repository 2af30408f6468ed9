package dev.lb.core.table;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A {@code server} line, resolved. Configuration is immutable; {@link #state()} carries the
 * run-time counters balancers need.
 */
public final class Server {

    private final String name;
    private final InetSocketAddress address;
    private final int weight;
    private final boolean backup;
    private final boolean disabled;
    private final int maxconn;
    private final boolean check;
    private final ServerState state;

    private Server(Builder b) {
        this.name = Objects.requireNonNull(b.name);
        this.address = Objects.requireNonNull(b.address);
        this.weight = b.weight;
        this.backup = b.backup;
        this.disabled = b.disabled;
        this.maxconn = b.maxconn;
        this.check = b.check;
        this.state = b.state != null ? b.state : new ServerState();
    }

    public static Builder builder(String name, InetSocketAddress address) {
        return new Builder(name, address);
    }

    public String name() {
        return name;
    }

    /** Where to connect; resolved when the table was built. */
    public InetSocketAddress address() {
        return address;
    }

    /** {@code weight}, 1 to 256; 0 means "never chosen by weighted algorithms". */
    public int weight() {
        return weight;
    }

    public boolean backup() {
        return backup;
    }

    public boolean disabled() {
        return disabled;
    }

    /** {@code maxconn}, 0 for no limit. */
    public int maxconn() {
        return maxconn;
    }

    public boolean check() {
        return check;
    }

    public ServerState state() {
        return state;
    }

    /** Whether a balancer may pick it now: not disabled, not marked failing, under maxconn. */
    public boolean usable() {
        return !disabled && !state.isFailing() && (maxconn == 0 || state.active() < maxconn);
    }

    /**
     * The same server sharing {@code carried}: how a reload keeps a server's run-time state
     * (active connections, a recent failure) when the server is still there.
     */
    public Server withState(ServerState carried) {
        return builder(name, address).weight(weight).backup(backup).disabled(disabled).maxconn(maxconn)
                .check(check).state(carried).build();
    }

    public String describe() {
        StringBuilder sb = new StringBuilder("server ").append(name).append(' ')
                .append(address.getHostString()).append(':').append(address.getPort())
                .append(" weight ").append(weight);
        if (backup) {
            sb.append(" backup");
        }
        if (disabled) {
            sb.append(" disabled");
        }
        if (maxconn > 0) {
            sb.append(" maxconn ").append(maxconn);
        }
        if (check) {
            sb.append(" check");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Builder for {@link Server}; defaults as HAProxy's (weight 1). */
    public static final class Builder {
        private final String name;
        private final InetSocketAddress address;
        private int weight = 1;
        private boolean backup;
        private boolean disabled;
        private int maxconn;
        private boolean check;
        private ServerState state;

        private Builder(String name, InetSocketAddress address) {
            this.name = name;
            this.address = address;
        }

        public Builder weight(int weight) {
            this.weight = weight;
            return this;
        }

        public Builder backup(boolean backup) {
            this.backup = backup;
            return this;
        }

        public Builder disabled(boolean disabled) {
            this.disabled = disabled;
            return this;
        }

        public Builder maxconn(int maxconn) {
            this.maxconn = maxconn;
            return this;
        }

        public Builder check(boolean check) {
            this.check = check;
            return this;
        }

        /** Carries run-time state over from the same server in the previous table. */
        public Builder state(ServerState state) {
            this.state = state;
            return this;
        }

        public Server build() {
            return new Server(this);
        }
    }
}
