package dev.lb.core.match;

import java.util.function.Predicate;

/** Questions about a {@link Condition} tree as a whole, asked when a table is built. */
public final class Conditions {

    private Conditions() {
    }

    /** Whether any {@link Match} in {@code c} uses a fetch that {@code fetches} accepts. */
    public static boolean reads(Condition c, Predicate<Fetch> fetches) {
        if (c instanceof Match m) {
            return fetches.test(m.fetch());
        } else if (c instanceof Condition.AnyOf a) {
            return a.members().stream().anyMatch(x -> reads(x, fetches));
        } else if (c instanceof Condition.AllOf a) {
            return a.members().stream().anyMatch(x -> reads(x, fetches));
        } else if (c instanceof Condition.Not n) {
            return reads(n.inner(), fetches);
        }
        return false;
    }
}
