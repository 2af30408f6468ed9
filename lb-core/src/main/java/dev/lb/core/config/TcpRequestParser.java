package dev.lb.core.config;

import dev.lb.core.action.TcpRequestRule;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code tcp-request inspect-delay T} and {@code tcp-request connection|content accept|reject
 * [if|unless COND]} (configuration manual, 4.2). Other actions (tracking, variables, session
 * rules) are errors until implemented.
 */
final class TcpRequestParser {

    private TcpRequestParser() {
    }

    static void parse(ProxyDraft d, ConfigLine line) {
        Arguments args = new Arguments(line, d.problems);
        String what = args.word(1, "inspect-delay, connection or content");
        if (what == null) {
            return;
        }
        if (d.kind() == SectionKind.BACKEND) {
            d.problems.error(line, "'tcp-request' rules in a backend are not implemented yet");
            return;
        }
        switch (what) {
            case "inspect-delay" -> {
                String t = args.word(2, "a time such as 5s");
                if (t == null) {
                    return;
                }
                args.noMoreThan(3);
                Duration delay = args.time(t);
                if (delay != null) {
                    d.settings.inspectDelay = delay;
                    d.settings.inspectDelayLine = line;
                }
            }
            case "connection", "content" -> rule(d, line, what.equals("content"));
            case "session" -> d.problems.error(line, "'tcp-request session' rules are not implemented yet");
            default -> d.problems.error(line, "unknown 'tcp-request' keyword '" + what
                    + "' (expected inspect-delay, connection or content)");
        }
    }

    private static void rule(ProxyDraft d, ConfigLine line, boolean content) {
        String action = new Arguments(line, d.problems).word(2, "accept or reject");
        if (action == null) {
            return;
        }
        if (d.kind() == SectionKind.DEFAULTS) {
            d.problems.error(line, "'tcp-request " + line.word(1) + "' rules in a defaults section are not "
                    + "implemented yet");
            return;
        }
        if (!action.equals("accept") && !action.equals("reject")) {
            d.problems.error(line, "'tcp-request " + line.word(1) + " " + action + "' is not implemented yet "
                    + "(lb has accept and reject)");
            return;
        }
        Optional<Supplier<dev.lb.core.match.Condition>> c =
                ConditionParser.parse(line.from(3), d.acls, line, d.problems);
        boolean accept = action.equals("accept");
        c.ifPresent(cond -> d.tcpRules.add(() -> new TcpRequestRule(content, accept, cond.get(),
                line.location())));
        if (d.tcpRuleLine == null) {
            d.tcpRuleLine = line;
        }
    }
}
