package dev.lb.core.match;

import java.util.List;

/**
 * A compiled {@code if}/{@code unless} condition. Kept as a small tree, rather than a lambda,
 * so that the {@link dev.lb.core.route.RouteIndex} can see which rules are plain host or
 * path-prefix matches and index them.
 */
public sealed interface Condition
        permits Condition.AnyOf, Condition.AllOf, Condition.Not, Match, Condition.Always {

    boolean test(RequestFacts request);

    /** Canonical text, used by table dumps and golden tests. */
    String describe();

    /** True when any member is true (HAProxy {@code ||}/{@code or}, and repeated {@code acl} lines). */
    record AnyOf(List<Condition> members) implements Condition {
        public AnyOf {
            members = List.copyOf(members);
        }

        @Override
        public boolean test(RequestFacts request) {
            for (Condition c : members) {
                if (c.test(request)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String describe() {
            StringBuilder sb = new StringBuilder("any(");
            for (int i = 0; i < members.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(members.get(i).describe());
            }
            return sb.append(')').toString();
        }
    }

    /** True when every member is true (terms written side by side). */
    record AllOf(List<Condition> members) implements Condition {
        public AllOf {
            members = List.copyOf(members);
        }

        @Override
        public boolean test(RequestFacts request) {
            for (Condition c : members) {
                if (!c.test(request)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String describe() {
            StringBuilder sb = new StringBuilder("all(");
            for (int i = 0; i < members.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(members.get(i).describe());
            }
            return sb.append(')').toString();
        }
    }

    /** {@code !term}. */
    record Not(Condition inner) implements Condition {
        @Override
        public boolean test(RequestFacts request) {
            return !inner.test(request);
        }

        @Override
        public String describe() {
            return "not(" + inner.describe() + ")";
        }
    }

    /** A constant: {@code TRUE}/{@code FALSE} ACLs, and a rule without a condition. */
    record Always(boolean value) implements Condition {
        public static final Always TRUE = new Always(true);

        @Override
        public boolean test(RequestFacts request) {
            return value;
        }

        @Override
        public String describe() {
            return value ? "always" : "never";
        }
    }
}
