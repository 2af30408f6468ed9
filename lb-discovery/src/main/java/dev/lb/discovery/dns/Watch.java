package dev.lb.discovery.dns;

import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.DnsTarget;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** One wanted name's state, confined to the watcher's event loop. */
final class Watch {

    /** The record families asked for a name; each keeps its own last good records. */
    enum Family { A, AAAA, SRV }

    /** Stable order (DnsAnswer's contract): IPv4 before IPv6, then by address bytes, then port. */
    static final Comparator<DnsTarget> ORDER = Comparator
            .<DnsTarget>comparingInt(t -> t.address().getAddress().length)
            .thenComparing((x, y) -> Arrays.compareUnsigned(x.address().getAddress(), y.address().getAddress()))
            .thenComparingInt(DnsTarget::port);

    final DnsQuery query;
    /** Bumped by each resolution started, so a late result of an abandoned one is dropped. */
    int generation;
    ScheduledFuture<?> next;
    /** Answered or failed at least once (what {@code firstAnswers} waits for). */
    boolean settled;
    /** The merged last good answer, or null before the first. */
    DnsAnswer answer;
    /** Why the latest resolution failed, or null. */
    String error;
    long errorAt;
    private final Map<Family, List<DnsTarget>> lastGood = new EnumMap<>(Family.class);

    Watch(DnsQuery query) {
        this.query = query;
    }

    List<Family> families() {
        return query.srv() ? List.of(Family.SRV) : List.of(Family.A, Family.AAAA);
    }

    /**
     * Takes one resolution's results (in {@link #families()} order): a failed family keeps its
     * last good records, so a server that drops AAAA questions does not take the IPv4 ones away.
     *
     * @return whether the merged answer changed
     */
    boolean apply(List<Resolution> results) {
        List<Family> families = families();
        for (int i = 0; i < families.size(); i++) {
            if (!results.get(i).failed()) {
                lastGood.put(families.get(i), results.get(i).targets());
            }
        }
        settled = true;
        return setAnswer(merged());
    }

    boolean setAnswer(DnsAnswer next) {
        boolean changed = next != null && !next.equals(answer);
        if (changed) {
            answer = next;
        }
        return changed;
    }

    private DnsAnswer merged() {
        if (lastGood.isEmpty()) {
            return null;
        }
        TreeSet<DnsTarget> all = new TreeSet<>(ORDER);
        lastGood.values().forEach(all::addAll);
        return new DnsAnswer(new ArrayList<>(all));
    }

    void cancel() {
        generation++;
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }
}
