package dev.lb.core.table;

import dev.lb.core.stats.ServerCounters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code server} line, resolved. Configuration is immutable; {@link #state()} carries the
 * run-time counters balancers need.
 */
public final class Server {

    /** HAProxy's default {@code inter} (configuration manual, 5.2 "inter"). */
    public static final Duration DEFAULT_INTER = Duration.ofSeconds(2);

    private final String name;
    private final InetSocketAddress address;
    private final int weight;
    private final boolean backup;
    private final boolean disabled;
    private final int maxconn;
    private final boolean check;
    private final Duration inter;
    private final Duration fastinter;
    private final Duration downinter;
    private final int rise;
    private final int fall;
    private final int checkPort;
    private final InetAddress checkAddr;
    private final ServerState state;
    private final ServerCounters counters;
    private final boolean explicitFast;
    private final boolean explicitDown;
    private final ProxyProtocol sendProxy;

    /** {@code send-proxy} / {@code send-proxy-v2}: the PROXY protocol header lb sends first. */
    public enum ProxyProtocol {
        NONE, V1, V2
    }

    private Server(Builder b) {
        this.name = Objects.requireNonNull(b.name);
        this.address = Objects.requireNonNull(b.address);
        this.weight = b.weight;
        this.backup = b.backup;
        this.disabled = b.disabled;
        this.maxconn = b.maxconn;
        this.check = b.check;
        this.inter = b.inter;
        // Unset fastinter and downinter follow inter (configuration manual, 5.2 "fastinter").
        this.fastinter = b.fastinter != null ? b.fastinter : b.inter;
        this.downinter = b.downinter != null ? b.downinter : b.inter;
        this.explicitFast = b.fastinter != null;
        this.explicitDown = b.downinter != null;
        this.rise = b.rise;
        this.fall = b.fall;
        this.checkPort = b.checkPort;
        this.checkAddr = b.checkAddr;
        this.state = b.state != null ? b.state : new ServerState();
        this.counters = b.counters != null ? b.counters : new ServerCounters();
        this.sendProxy = b.sendProxy;
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

    /** The weight balancers use now: {@link #weight()} unless changed at run time ({@code set weight}). */
    public int effectiveWeight() {
        return state.effectiveWeight(weight);
    }

    /** READY, DRAIN or MAINT: set at run time, else MAINT for {@code disabled} and READY otherwise. */
    public AdminState adminState() {
        return state.adminState().orElse(disabled ? AdminState.MAINT : AdminState.READY);
    }

    /** Sets the run-time weight (0 to 256), kept across reloads that leave this server's weight as it is. */
    public void setWeight(int newWeight) {
        state.setWeight(newWeight, weight);
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

    /** {@code check}: active health checks decide whether the server is UP. */
    public boolean check() {
        return check;
    }

    /** {@code inter}: time between two checks while the server is steadily UP (default 2s). */
    public Duration inter() {
        return inter;
    }

    /** {@code fastinter}: time between checks while the server changes state (default inter). */
    public Duration fastinter() {
        return fastinter;
    }

    /** {@code downinter}: time between checks while the server is DOWN (default inter). */
    public Duration downinter() {
        return downinter;
    }

    /** {@code rise}: consecutive successful checks that bring a DOWN server UP (default 2). */
    public int rise() {
        return rise;
    }

    /** {@code fall}: consecutive failed checks that take an UP server DOWN (default 3). */
    public int fall() {
        return fall;
    }

    /**
     * Where checks connect: the server's address unless {@code addr} or {@code port} override
     * it (configuration manual, 5.2 "addr", "port").
     */
    public InetSocketAddress checkAddress() {
        if (checkAddr == null && checkPort == 0) {
            return address;
        }
        return new InetSocketAddress(checkAddr != null ? checkAddr : address.getAddress(),
                checkPort != 0 ? checkPort : address.getPort());
    }

    /** {@code port} for checks, if set. */
    public Optional<Integer> checkPort() {
        return checkPort == 0 ? Optional.empty() : Optional.of(checkPort);
    }

    /** {@code addr} for checks, if set. */
    public Optional<InetAddress> checkAddr() {
        return Optional.ofNullable(checkAddr);
    }

    /** The PROXY protocol version sent to this server on each new TCP connection, or NONE. */
    public ProxyProtocol sendProxy() {
        return sendProxy;
    }

    /** Whether checks are on and have marked the server DOWN. */
    public boolean down() {
        return check && state.checkDown();
    }

    public ServerState state() {
        return state;
    }

    /** Traffic and check counters; kept across reloads while the backend has a server of this name. */
    public ServerCounters counters() {
        return counters;
    }

    /**
     * Whether a balancer may pick it now: READY (not disabled, drained or in maintenance), weight
     * above 0, not DOWN by its health checks, not marked failing, under maxconn.
     */
    public boolean usable() {
        return adminState() == AdminState.READY && effectiveWeight() > 0 && !down() && !state.isFailing()
                && (maxconn == 0 || state.active() < maxconn);
    }

    /**
     * The same server sharing {@code carried}: how a reload keeps a server's run-time state
     * (active connections, a recent failure) when the server is still there.
     */
    public Server withState(ServerState carried) {
        return rebuild(carried, counters);
    }

    private Server rebuild(ServerState carried, ServerCounters carriedCounters) {
        Builder b = builder(name, address).weight(weight).backup(backup).disabled(disabled).maxconn(maxconn)
                .check(check).inter(inter).rise(rise).fall(fall).checkPort(checkPort).checkAddr(checkAddr)
                .sendProxy(sendProxy).state(carried).counters(carriedCounters);
        if (explicitFast) {
            b.fastinter(fastinter);
        }
        if (explicitDown) {
            b.downinter(downinter);
        }
        return b.build();
    }

    /** {@link #withState} and {@link #withCounters} at once: one copy, not two, per server of a reload. */
    public Server withCarried(ServerState carriedState, ServerCounters carriedCounters) {
        return rebuild(carriedState, carriedCounters);
    }

    /** The same server counting into {@code carried}: a reload keeps a server's counters by name. */
    public Server withCounters(ServerCounters carried) {
        return rebuild(state, carried);
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
        if (sendProxy != ProxyProtocol.NONE) {
            sb.append(sendProxy == ProxyProtocol.V1 ? " send-proxy" : " send-proxy-v2");
        }
        if (check) {
            // Check tuning only matters with checks on, so it is only shown then.
            sb.append(" check inter ").append(inter.toMillis()).append("ms");
            if (explicitFast) {
                sb.append(" fastinter ").append(fastinter.toMillis()).append("ms");
            }
            if (explicitDown) {
                sb.append(" downinter ").append(downinter.toMillis()).append("ms");
            }
            sb.append(" rise ").append(rise).append(" fall ").append(fall);
            if (checkAddr != null) {
                sb.append(" addr ").append(checkAddr.getHostAddress());
            }
            if (checkPort != 0) {
                sb.append(" port ").append(checkPort);
            }
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
        private Duration inter = DEFAULT_INTER;
        private Duration fastinter;
        private Duration downinter;
        private int rise = 2;
        private int fall = 3;
        private int checkPort;
        private InetAddress checkAddr;
        private ServerState state;
        private ServerCounters counters;
        private ProxyProtocol sendProxy = ProxyProtocol.NONE;

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

        /** {@code inter}; must be positive. */
        public Builder inter(Duration inter) {
            this.inter = positive(inter, "inter");
            return this;
        }

        public Builder fastinter(Duration fastinter) {
            this.fastinter = positive(fastinter, "fastinter");
            return this;
        }

        public Builder downinter(Duration downinter) {
            this.downinter = positive(downinter, "downinter");
            return this;
        }

        public Builder rise(int rise) {
            this.rise = Math.max(1, rise);
            return this;
        }

        public Builder fall(int fall) {
            this.fall = Math.max(1, fall);
            return this;
        }

        /** Port for checks; 0 for the server's own. */
        public Builder checkPort(int port) {
            this.checkPort = port;
            return this;
        }

        /** Address for checks; {@code null} for the server's own. */
        public Builder checkAddr(InetAddress addr) {
            this.checkAddr = addr;
            return this;
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }

        public Builder sendProxy(ProxyProtocol sendProxy) {
            this.sendProxy = sendProxy;
            return this;
        }

        /** Carries run-time state over from the same server in the previous table. */
        public Builder state(ServerState state) {
            this.state = state;
            return this;
        }

        /** Carries the counters over from the previous table's server of the same name. */
        public Builder counters(ServerCounters counters) {
            this.counters = counters;
            return this;
        }

        public Server build() {
            return new Server(this);
        }
    }
}
