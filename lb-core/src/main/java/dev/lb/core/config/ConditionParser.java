package dev.lb.core.config;

import dev.lb.core.match.Condition;
import dev.lb.core.match.Match;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Parses {@code if|unless COND} (configuration manual, 7.2 "Using ACLs to form conditions"):
 * terms written side by side are ANDed, {@code ||} or {@code or} separates OR-ed groups, AND
 * binds tighter, {@code !} negates one term (alone or glued to the name), and
 * {@code { CRITERION ... }} is an anonymous ACL.
 *
 * <p>Names are checked now (HAProxy rejects a name used before its {@code acl} line) but looked
 * up later, through the returned supplier, so repeated {@code acl} lines below the rule still
 * join the ACL as they do in HAProxy.
 */
final class ConditionParser {

    private ConditionParser() {
    }

    /**
     * @param words from {@code if}/{@code unless} to the end of the line; empty for "always"
     * @return the condition to build when the section is complete, or empty after an error
     */
    static Optional<Supplier<Condition>> parse(List<String> words, AclRegistry acls, ConfigLine line,
            Problems problems) {
        if (words.isEmpty()) {
            return Optional.of(() -> Condition.Always.TRUE);
        }
        String kw = words.get(0);
        if (!kw.equals("if") && !kw.equals("unless")) {
            problems.error(line, "expected 'if' or 'unless' but found '" + kw + "'");
            return Optional.empty();
        }
        if (words.size() == 1) {
            problems.error(line, "missing condition after '" + kw + "'");
            return Optional.empty();
        }
        List<List<Supplier<Condition>>> groups = new ArrayList<>();
        List<Supplier<Condition>> group = new ArrayList<>();
        boolean negate = false;
        int errorsBefore = problems.errorCount();
        int i = 1;
        while (i < words.size()) {
            String w = words.get(i);
            if (w.equals("||") || w.equalsIgnoreCase("or")) {
                if (group.isEmpty() || negate) {
                    problems.error(line, "'" + w + "' needs a term on both sides");
                    return Optional.empty();
                }
                groups.add(group);
                group = new ArrayList<>();
                i++;
                continue;
            }
            if (w.equals("!")) {
                negate = !negate;
                i++;
                continue;
            }
            Supplier<Condition> term;
            // "!{ ... }": HAProxy reads a '!' glued to the brace as the negation of the anonymous ACL.
            while (w.startsWith("!") && w.endsWith("{") && w.replace("!", "").equals("{")) {
                negate = !negate;
                w = w.substring(1);
            }
            if (w.equals("{")) {
                int close = words.subList(i, words.size()).indexOf("}");
                if (close < 0) {
                    problems.error(line, "missing '}' after anonymous ACL");
                    return Optional.empty();
                }
                Optional<Match> m = AclParser.parse(words.subList(i + 1, i + close), acls.userlists(), line,
                        problems);
                if (m.isEmpty()) {
                    return Optional.empty();
                }
                Match match = m.get();
                term = () -> match;
                i += close + 1;
            } else {
                String name = w;
                while (name.startsWith("!")) {
                    negate = !negate;
                    name = name.substring(1);
                }
                term = named(name, acls, line, problems);
                i++;
            }
            if (term != null) {
                Supplier<Condition> t = term;
                group.add(negate ? () -> new Condition.Not(t.get()) : t);
            }
            negate = false;
        }
        if (problems.errorCount() > errorsBefore) {
            return Optional.empty();
        }
        if (group.isEmpty() || negate) {
            problems.error(line, "condition ends with an operator");
            return Optional.empty();
        }
        groups.add(group);
        boolean unless = kw.equals("unless");
        return Optional.of(() -> {
            Condition c = build(groups);
            return unless ? new Condition.Not(c) : c;
        });
    }

    private static Supplier<Condition> named(String name, AclRegistry acls, ConfigLine line,
            Problems problems) {
        if (name.isEmpty()) {
            problems.error(line, "'!' needs an ACL name after it");
            return null;
        }
        if (!acls.isDeclared(name)) {
            Optional<String> refusal = AclRegistry.refusal(name);
            if (refusal.isPresent()) {
                problems.error(line, refusal.get());
                return null;
            }
        }
        if (!acls.isKnown(name)) {
            problems.error(line, "no such ACL: '" + name + "'");
            return null;
        }
        return () -> acls.resolve(name);
    }

    private static Condition build(List<List<Supplier<Condition>>> groups) {
        List<Condition> ors = new ArrayList<>();
        for (List<Supplier<Condition>> g : groups) {
            List<Condition> ands = g.stream().map(Supplier::get).toList();
            ors.add(ands.size() == 1 ? ands.get(0) : new Condition.AllOf(ands));
        }
        return ors.size() == 1 ? ors.get(0) : new Condition.AnyOf(ors);
    }
}
