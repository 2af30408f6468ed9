package dev.lb.core.route;

import dev.lb.core.match.RequestFacts;
import dev.lb.core.table.Backend;
import java.util.List;

/** The reference the index must agree with: HAProxy's rule-by-rule scan. */
final class LinearScan {

    private LinearScan() {
    }

    static Backend route(List<Rule> rules, RequestFacts request) {
        for (Rule r : rules) {
            if (r.condition().test(request)) {
                return r.backend();
            }
        }
        return null;
    }
}
