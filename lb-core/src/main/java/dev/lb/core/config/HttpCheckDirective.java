package dev.lb.core.config;

import dev.lb.core.table.HttpCheck.StatusRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code option httpchk [METHOD URI [VERSION]]} and the {@code http-check send} and
 * {@code http-check expect} lines that shape the HTTP health check (configuration manual, 4.2
 * "option httpchk", "http-check send", "http-check expect"). What they set is kept in
 * {@link ProxySettings.HttpCheckSettings}; the check is HTTP only with {@code option httpchk}.
 */
final class HttpCheckDirective {

    private HttpCheckDirective() {
    }

    /** {@code option httpchk}, already known not to be negated. */
    static void option(ProxyDraft d, ConfigLine line) {
        ProxySettings.HttpCheckSettings c = d.settings.httpCheck;
        if (line.size() > 5) {
            d.problems.error(line, "'option httpchk' expects at most a method, a URI and a version");
            return;
        }
        if (d.kind() == SectionKind.FRONTEND) {
            d.problems.warn(line, "'option httpchk' ignored because frontend '" + d.name()
                    + "' has no backend capability");
            return;
        }
        c.enabled = true;
        if (line.size() == 3) {
            // A lone argument is the URI (HAProxy's "option httpchk <uri>").
            if (!line.word(2).startsWith("/")) {
                d.problems.warn(line, "'option httpchk " + line.word(2) + "': a lone argument is a URI and "
                        + "should start with '/'");
            }
            c.uri = line.word(2);
        } else if (line.size() >= 4) {
            c.method = line.word(2);
            c.uri = line.word(3);
            if (line.size() == 5) {
                version(d, line, line.word(4));
            }
        }
    }

    /**
     * The version word may carry headers after {@code \r\n}, the pre-2.2 way of sending a Host:
     * {@code HTTP/1.1\r\nHost:\ www} (manual 4.2 "option httpchk", example).
     */
    private static void version(ProxyDraft d, ConfigLine line, String text) {
        String[] parts = text.split("\r\n");
        d.settings.httpCheck.version = parts[0];
        for (int i = 1; i < parts.length; i++) {
            if (!parts[i].isEmpty()) {
                header(d, line, parts[i]);
            }
        }
    }

    private static void header(ProxyDraft d, ConfigLine line, String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            d.problems.error(line, "invalid header '" + text + "' in the health check request");
            return;
        }
        header(d, line, text.substring(0, colon).trim(), text.substring(colon + 1).trim());
    }

    private static void header(ProxyDraft d, ConfigLine line, String name, String value) {
        if (name.toLowerCase(Locale.ROOT).equals("host")) {
            d.settings.httpCheck.host = value;
        } else {
            d.problems.warn(line, "health check header '" + name + "' is not sent by lb (only Host is)");
        }
    }

    /** {@code http-check SUBCOMMAND ...}. */
    static void apply(ProxyDraft d, ConfigLine line) {
        String sub = new Arguments(line, d.problems).word(1, "a sub-command such as 'expect status 200'");
        if (sub == null) {
            return;
        }
        ProxySettings.HttpCheckSettings c = d.settings.httpCheck;
        if (c.firstLine == null) {
            c.firstLine = line;
        }
        switch (sub) {
            case "expect" -> expect(d, line);
            case "send" -> send(d, line);
            case "disable-on-404", "send-state" -> d.problems.warn(line, "'http-check " + sub
                    + "' is ignored by lb");
            default -> d.problems.error(line, "'http-check " + String.join(" ", line.from(1))
                    + "' is not implemented yet (lb reads 'http-check send' and "
                    + "'http-check expect status|rstatus')");
        }
    }

    /** {@code http-check expect status CODES} or {@code rstatus REGEX}. */
    private static void expect(ProxyDraft d, ConfigLine line) {
        ProxySettings.HttpCheckSettings c = d.settings.httpCheck;
        String kind = new Arguments(line, d.problems).word(2, "'status' or 'rstatus' after 'expect'");
        if (kind == null) {
            return;
        }
        if (c.ownExpect) {
            // HAProxy would require every expect rule to pass in sequence; lb keeps one.
            d.problems.error(line, "only one 'http-check expect' per section is implemented");
            return;
        }
        String value = new Arguments(line, d.problems).word(3, "a value after 'expect " + kind + "'");
        if (value == null) {
            return;
        }
        switch (kind) {
            case "status" -> {
                List<StatusRange> ranges = statusRanges(value);
                if (ranges == null) {
                    d.problems.error(line, "invalid status '" + value
                            + "' (expected a code, a range or a list)");
                    return;
                }
                c.expectStatus = ranges;
                c.expectRegex = null;
            }
            case "rstatus" -> {
                try {
                    c.expectRegex = Pattern.compile(value);
                    c.expectStatus = List.of();
                } catch (PatternSyntaxException e) {
                    d.problems.error(line, "invalid regular expression '" + value + "': "
                            + e.getDescription());
                    return;
                }
            }
            default -> {
                d.problems.error(line, "'http-check expect " + String.join(" ", line.from(2))
                        + "' is not implemented yet (lb reads 'expect status' and 'expect rstatus')");
                return;
            }
        }
        c.ownExpect = true;
        new Arguments(line, d.problems).noMoreThan(4);
    }

    /** {@code 200}, {@code 200-299} or a comma-separated list of them; {@code null} if malformed. */
    static List<StatusRange> statusRanges(String text) {
        if (!text.matches("\\d{3}(-\\d{3})?(,\\d{3}(-\\d{3})?)*")) {
            return null;
        }
        List<StatusRange> ranges = new ArrayList<>();
        for (String part : text.split(",")) {
            String[] ends = part.split("-");
            int from = Integer.parseInt(ends[0]);
            int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
            if (to < from) {
                return null;
            }
            ranges.add(new StatusRange(from, to));
        }
        return ranges;
    }

    /** {@code http-check send [meth M] [uri U] [ver V] [hdr NAME VALUE]...} (HAProxy 2.2+). */
    private static void send(ProxyDraft d, ConfigLine line) {
        ProxySettings.HttpCheckSettings c = d.settings.httpCheck;
        List<String> words = line.from(2);
        for (int i = 0; i < words.size(); i++) {
            String key = words.get(i);
            int need = key.equals("hdr") ? 2 : 1;
            if (i + need >= words.size()) {
                d.problems.error(line, "'http-check send " + key + "' expects "
                        + (need == 2 ? "a name and a value" : "a value"));
                return;
            }
            String value = words.get(i + 1);
            switch (key) {
                case "meth" -> c.method = value;
                case "uri" -> c.uri = value;
                case "ver" -> c.version = value;
                case "hdr" -> header(d, line, value, words.get(i + 2));
                default -> {
                    d.problems.error(line, "'http-check send " + key
                            + "' is not implemented yet (lb reads meth, uri, ver and hdr)");
                    return;
                }
            }
            i += need;
        }
    }
}
