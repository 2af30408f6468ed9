package dev.lb.core.route;

import dev.lb.core.match.Condition;
import dev.lb.core.match.Fetch;
import dev.lb.core.match.Match;
import dev.lb.core.match.MatchMethod;
import dev.lb.core.table.Backend;
import java.util.List;

/** Short constructors for the conditions route tests write. */
final class Rules {

    private Rules() {
    }

    static Match host(String... patterns) {
        return new Match(Fetch.HEADER, "host", MatchMethod.STR, false, List.of(patterns));
    }

    static Match hostI(String... patterns) {
        return new Match(Fetch.HEADER, "host", MatchMethod.STR, true, List.of(patterns));
    }

    static Match pathBeg(String... patterns) {
        return new Match(Fetch.PATH, "", MatchMethod.BEG, false, List.of(patterns));
    }

    static Match pathBegI(String... patterns) {
        return new Match(Fetch.PATH, "", MatchMethod.BEG, true, List.of(patterns));
    }

    static Match path(String... patterns) {
        return new Match(Fetch.PATH, "", MatchMethod.STR, false, List.of(patterns));
    }

    static Match hostDom(String... patterns) {
        return new Match(Fetch.HEADER, "host", MatchMethod.DOM, true, List.of(patterns));
    }

    static Condition all(Condition... members) {
        return new Condition.AllOf(List.of(members));
    }

    static Condition any(Condition... members) {
        return new Condition.AnyOf(List.of(members));
    }

    static Condition not(Condition inner) {
        return new Condition.Not(inner);
    }

    static Rule rule(Condition condition, String backend) {
        return new Rule(condition, Backend.builder(backend).build(), "test:" + backend);
    }
}
