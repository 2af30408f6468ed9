package dev.lb.core.table;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mutable part of a server: what balancers and the data plane share at run time. It is
 * the only mutable object reachable from a {@link RoutingTable}, and it uses atomics only.
 */
public final class ServerState {

    /**
     * Bumped by every run-time weight change of any server: weighted balancers compare it with
     * the value their sequence was built from (one volatile read per pick) and rebuild on change.
     */
    private static final AtomicLong WEIGHT_CHANGES = new AtomicLong();

    private final AtomicInteger active = new AtomicInteger();
    // Run-time administration (runtime API): null / -1 mean "as configured".
    private volatile AdminState adminState;
    private volatile int weightOverride = -1;
    private volatile int weightOverrideBase = -1;
    private volatile long downUntilNanos;

    // Health-check state: written by the one checker of this server, read by balancers anywhere.
    private volatile boolean checkDown;
    private volatile CheckResult lastCheck;
    private int successes;
    private int failures;

    /** Connections or requests currently assigned to this server. */
    public int active() {
        return active.get();
    }

    public void acquire() {
        active.incrementAndGet();
    }

    public void release() {
        active.decrementAndGet();
    }

    /**
     * Marks the server as failing for {@code nanos}: balancers skip it meanwhile unless no
     * other server is left. This is lb's passive check; connect failures call it.
     */
    public void markFailed(long nanos) {
        downUntilNanos = System.nanoTime() + nanos;
    }

    /** Whether a recent failure asks balancers to avoid this server. */
    public boolean isFailing() {
        long until = downUntilNanos;
        return until != 0 && System.nanoTime() - until < 0;
    }

    /**
     * Whether active health checks have marked the server DOWN. A server starts UP, goes DOWN
     * after {@code fall} consecutive failed checks and UP again after {@code rise} consecutive
     * successes (configuration manual, 5.2 "rise", "fall").
     */
    public boolean checkDown() {
        return checkDown;
    }

    /** The last finished check, if any. */
    public Optional<CheckResult> lastCheck() {
        return Optional.ofNullable(lastCheck);
    }

    /**
     * Counts one check result against {@code rise} and {@code fall}.
     *
     * @return whether the server changed between UP and DOWN
     */
    public synchronized boolean recordCheck(CheckResult result, int rise, int fall) {
        lastCheck = result;
        if (result.passed()) {
            failures = 0;
            successes++;
            if (checkDown && successes >= rise) {
                checkDown = false;
                successes = 0;
                return true;
            }
        } else {
            successes = 0;
            failures++;
            if (!checkDown && failures >= fall) {
                checkDown = true;
                failures = 0;
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the server is between states: UP with recent failures or DOWN with recent
     * successes. HAProxy checks faster then ({@code fastinter}).
     */
    public synchronized boolean checkTransitioning() {
        return checkDown ? successes > 0 : failures > 0;
    }

    /** Forgets the check history: the server is UP with no result, as a newly checked server. */
    public synchronized void resetCheck() {
        checkDown = false;
        lastCheck = null;
        successes = 0;
        failures = 0;
    }

    /**
     * The state set at run time ({@code disable server}, {@code set server ... state}), if any.
     * Empty means the configuration decides ({@code disabled} = MAINT, else READY).
     */
    public Optional<AdminState> adminState() {
        return Optional.ofNullable(adminState);
    }

    /** Sets the run-time admin state; it overrides the configuration until the server is removed. */
    public void setAdminState(AdminState state) {
        adminState = state;
    }

    /**
     * The weight in effect for a server configured with {@code configured}: the one set with
     * {@code set weight}, as long as the configured weight is still the one it was set over.
     * Like HAProxy's server-state file, a reload that changes the weight in the file lets the
     * file win; a reload that leaves it alone keeps the run-time weight.
     */
    public int effectiveWeight(int configured) {
        int w = weightOverride;
        return w >= 0 && weightOverrideBase == configured ? w : configured;
    }

    /**
     * Sets the run-time weight (0 to 256) of a server now configured with {@code configured};
     * balancers follow it from their next pick.
     */
    public synchronized void setWeight(int weight, int configured) {
        if (weight < 0 || weight > 256) {
            throw new IllegalArgumentException("weight must be 0 to 256, got " + weight);
        }
        weightOverrideBase = configured;
        weightOverride = weight;
        WEIGHT_CHANGES.incrementAndGet();
    }

    /** How many run-time weight changes happened in this process (see {@link #setWeight}). */
    public static long weightChanges() {
        return WEIGHT_CHANGES.get();
    }
}
