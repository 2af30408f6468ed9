package dev.lb.core.config;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.action.LogFormat;
import dev.lb.core.match.Condition;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code http-request ACTION ARGS [if|unless COND]} (configuration manual, 4.2
 * "http-request"). Every action changes the request or the response, so an action lb does not
 * implement is an error, never skipped; only the logging ones are warnings.
 */
final class HttpRequestParser {

    /** Actions that only affect logs or captures. */
    private static final Set<String> LOG_ONLY = Set.of("set-log-level", "capture");

    /** The status codes HAProxy accepts for {@code deny_status} (manual, "http-request deny"). */
    private static final Set<Integer> DENY_STATUSES = Set.of(200, 400, 401, 403, 404, 405, 407, 408, 410,
            413, 425, 429, 500, 501, 502, 503, 504);

    private HttpRequestParser() {
    }

    static void parse(ProxyDraft d, ConfigLine line) {
        Arguments args = new Arguments(line, d.problems);
        String action = args.word(1, "an action such as set-header");
        if (action == null) {
            return;
        }
        switch (action) {
            case "set-header", "add-header" -> header(d, line, action);
            case "del-header" -> delHeader(d, line);
            case "replace-path" -> replacePath(d, line);
            case "deny" -> deny(d, line);
            case "auth" -> auth(d, line);
            default -> {
                if (LOG_ONLY.contains(action)) {
                    d.problems.warn(line, "'http-request " + action + "' only affects logs; lb ignores it");
                } else {
                    d.problems.error(line, "'http-request " + action + "' is not implemented yet");
                }
            }
        }
    }

    private static void header(ProxyDraft d, ConfigLine line, String action) {
        Arguments args = new Arguments(line, d.problems);
        String name = args.word(2, "a header name and a value");
        String value = args.word(3, "a value after the header name");
        Optional<LogFormat> format = value == null ? Optional.empty() : format(value, d, line);
        Optional<Supplier<Condition>> cond = condition(d, line, 4);
        if (name == null || format.isEmpty() || cond.isEmpty()) {
            return;
        }
        LogFormat f = format.get();
        Supplier<Condition> c = cond.get();
        d.actions.add(action.equals("set-header")
                ? () -> new HttpRequestAction.SetHeader(name, f, c.get())
                : () -> new HttpRequestAction.AddHeader(name, f, c.get()));
    }

    private static void delHeader(ProxyDraft d, ConfigLine line) {
        String name = new Arguments(line, d.problems).word(2, "a header name");
        if (name == null) {
            return;
        }
        if ("-m".equals(line.word(3))) {
            d.problems.error(line, "'http-request del-header ... -m' is not implemented yet");
            return;
        }
        condition(d, line, 3).ifPresent(c -> d.actions.add(() -> new HttpRequestAction.DelHeader(name,
                c.get())));
    }

    private static void replacePath(ProxyDraft d, ConfigLine line) {
        Arguments args = new Arguments(line, d.problems);
        String regex = args.word(2, "a regular expression and a replacement");
        String replacement = args.word(3, "a replacement after the regular expression");
        if (regex == null || replacement == null) {
            return;
        }
        Pattern p;
        try {
            p = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            d.problems.error(line, "bad regular expression '" + regex + "': " + e.getDescription());
            return;
        }
        if (format(replacement, d, line).isEmpty()) {
            return;
        }
        // The replacement is kept as written (HAProxy's \1 references); the data plane applies it.
        condition(d, line, 4).ifPresent(c ->
                d.actions.add(() -> new HttpRequestAction.ReplacePath(p, replacement, c.get())));
    }

    private static void deny(ProxyDraft d, ConfigLine line) {
        int next = 2;
        int status = 403;
        if ("deny_status".equals(line.word(2))) {
            OptionalInt s = new Arguments(line, d.problems).integer(3, "a status code after deny_status", 100,
                    599);
            if (s.isEmpty()) {
                return;
            }
            if (!DENY_STATUSES.contains(s.getAsInt())) {
                d.problems.error(line, "deny_status " + s.getAsInt() + " is not one HAProxy can answer "
                        + "(200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500-504)");
                return;
            }
            status = s.getAsInt();
            next = 4;
        }
        String w = line.word(next);
        if (w != null && !w.equals("if") && !w.equals("unless")) {
            d.problems.error(line, "'http-request deny " + w
                    + "' (custom deny responses) is not implemented yet");
            return;
        }
        int code = status;
        condition(d, line, next).ifPresent(c -> d.actions.add(() -> new HttpRequestAction.Deny(code, c.get())));
    }

    /**
     * {@code auth [realm R] [if|unless COND]}. HAProxy's default realm is the proxy's name (a
     * backend's own name for a backend rule).
     */
    private static void auth(ProxyDraft d, ConfigLine line) {
        int next = 2;
        String realm = d.name();
        if ("realm".equals(line.word(2))) {
            realm = new Arguments(line, d.problems).word(3, "a realm after 'realm'");
            if (realm == null) {
                return;
            }
            next = 4;
        }
        String w = line.word(next);
        if (w != null && !w.equals("if") && !w.equals("unless")) {
            d.problems.error(line, "'http-request auth' expects 'realm R' or 'if'/'unless' and a condition, "
                    + "not '" + w + "'");
            return;
        }
        d.authLines.add(line);
        String r = realm;
        condition(d, line, next).ifPresent(c -> d.actions.add(() -> new HttpRequestAction.Auth(r, c.get())));
    }

    private static Optional<LogFormat> format(String value, ProxyDraft d, ConfigLine line) {
        try {
            return Optional.of(LogFormat.parse(value));
        } catch (IllegalArgumentException e) {
            d.problems.error(line, e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<Supplier<Condition>> condition(ProxyDraft d, ConfigLine line, int from) {
        List<String> rest = line.from(from);
        return ConditionParser.parse(rest, d.acls, line, d.problems);
    }
}
