package dev.lb.core.route;

import dev.lb.core.match.Condition;
import dev.lb.core.match.Match;
import java.util.List;

/**
 * One AND-group of a rule's condition after {@link ClauseNormalizer} has put it in
 * disjunctive form: the rule holds when any of its clauses does.
 *
 * @param literals the conjuncts: {@link Match}es, {@link Condition.Not}s and constants, never
 *     {@code AnyOf}/{@code AllOf}; empty means "always true"
 */
record Clause(List<Condition> literals) {

    Clause {
        literals = List.copyOf(literals);
    }

    /** The clause as a condition that a fallback scan can test. */
    Condition asCondition() {
        return literals.size() == 1 ? literals.get(0) : new Condition.AllOf(literals);
    }
}
