package dev.lb.core.route;

import dev.lb.core.match.RequestFacts;
import dev.lb.core.table.Backend;
import java.util.List;

/**
 * The {@code use_backend} rules of one frontend, compiled for lookup. The answer is always
 * the backend of the first rule (in file order) whose condition holds, as in HAProxy.
 */
public final class RouteIndex {

    private final List<Rule> rules;

    private RouteIndex(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static RouteIndex build(List<Rule> rules) {
        return new RouteIndex(rules);
    }

    /** The rules in file order. */
    public List<Rule> rules() {
        return rules;
    }

    /** The backend of the first matching rule, or {@code null} when none matches. */
    public Backend route(RequestFacts request) {
        for (Rule r : rules) {
            if (r.condition().test(request)) {
                return r.backend();
            }
        }
        return null;
    }
}
