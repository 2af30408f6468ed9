package dev.lb.core.route;

import dev.lb.core.match.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rewrites a condition as an OR of AND-groups ({@link Clause}s), so that the index can see the
 * plain host and path terms hidden inside {@code acl} lines that were ORed or written side by
 * side. Negations are kept as opaque literals: HAProxy ACLs on a missing value are false
 * both ways, so pushing a {@code !} inwards would not be sound.
 */
final class ClauseNormalizer {

    /**
     * Above this many clauses the rule stays whole and is scanned: an AND of many ORs multiplies
     * out, and a rule nobody writes should not cost the table build minutes.
     */
    static final int MAX_CLAUSES = 256;

    private ClauseNormalizer() {
    }

    /** The clauses of {@code condition}, or empty when it would expand beyond {@link #MAX_CLAUSES}. */
    static Optional<List<Clause>> clauses(Condition condition) {
        List<List<Condition>> dnf = dnf(condition);
        if (dnf == null) {
            return Optional.empty();
        }
        List<Clause> out = new ArrayList<>(dnf.size());
        for (List<Condition> group : dnf) {
            out.add(new Clause(group));
        }
        return Optional.of(out);
    }

    /**
     * The groups, or {@code null} when too many. An empty list is "false"; a list holding an
     * empty group is "true".
     */
    private static List<List<Condition>> dnf(Condition c) {
        if (c instanceof Condition.Always a) {
            return a.value() ? List.of(List.of()) : List.of();
        }
        if (c instanceof Condition.Not n) {
            // Double negations and negated constants simplify; anything else is one opaque literal.
            if (n.inner() instanceof Condition.Not inner) {
                return dnf(inner.inner());
            }
            if (n.inner() instanceof Condition.Always a) {
                return dnf(new Condition.Always(!a.value()));
            }
            return List.of(List.of(c));
        }
        if (c instanceof Condition.AnyOf any) {
            List<List<Condition>> out = new ArrayList<>();
            for (Condition m : any.members()) {
                List<List<Condition>> part = dnf(m);
                if (part == null || out.size() + part.size() > MAX_CLAUSES) {
                    return null;
                }
                out.addAll(part);
            }
            return out;
        }
        if (c instanceof Condition.AllOf all) {
            List<List<Condition>> out = List.of(List.of());
            for (Condition m : all.members()) {
                List<List<Condition>> part = dnf(m);
                if (part == null || (long) out.size() * part.size() > MAX_CLAUSES) {
                    return null;
                }
                List<List<Condition>> product = new ArrayList<>(out.size() * part.size());
                for (List<Condition> left : out) {
                    for (List<Condition> right : part) {
                        List<Condition> joined = new ArrayList<>(left.size() + right.size());
                        joined.addAll(left);
                        joined.addAll(right);
                        product.add(joined);
                    }
                }
                out = product;
            }
            return out;
        }
        return List.of(List.of(c));
    }
}
