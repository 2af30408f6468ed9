package dev.lb.core.config;

import dev.lb.core.action.HttpRequestAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pre-2.1 {@code reqrep}, {@code reqirep}, {@code reqadd}, {@code reqdel} and {@code reqidel}
 * lines that older consul-template and confd templates still emit. HAProxy 2.1+ rejects them; lb
 * rewrites each into the {@code http-request} line with the same effect, says which in a warning,
 * and compiles that line. What has no faithful translation stays an error with its line.
 *
 * <p>Order, as in HAProxy 1.8 ({@code http_process_req_common} and the manual's "http-request":
 * "processed ... before reqdel or reqrep or reqadd rules"): in each proxy, the http-request rules
 * first, then reqrep/reqdel in file order, then the reqadd lines. The translations are kept in
 * {@link ProxyDraft#legacyRewrites} and {@link ProxyDraft#legacyAdds} to keep that order.
 */
final class LegacyRequestDirective {

    /** Method parts that match any method, as templates write them (after {@code \ } became a space). */
    private static final Set<String> ANY_METHOD = Set.of("[^ ]*", "[^ ]+", "[^ :]*", "[^ :]+", "\\S*", "\\S+",
            "[^\\s]*", "[^\\s]+", "[A-Z]*", "[A-Z]+", "[a-zA-Z]+", "[A-Za-z]+", "[^ \\t]*");

    /** A literal URI prefix: no regex meta characters. */
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9/_.~-]*");
    /** {@code ^Name:} with an optional {@code .*}: a whole-header match that del-header can do. */
    private static final Pattern HEADER_ANCHOR =
            Pattern.compile("\\^([A-Za-z0-9_-]+):(?: ?\\.\\*| \\*?\\.\\*)?");
    private static final Pattern HEADER_LINE = Pattern.compile("\\^\\(?([A-Za-z0-9_-]+):.*");
    private static final Pattern ADD_LINE = Pattern.compile("([A-Za-z0-9_-]+):[ \\t]*(.*)", Pattern.DOTALL);

    private LegacyRequestDirective() {
    }

    static void apply(ProxyDraft d, ConfigLine line) {
        String kw = line.keyword();
        List<String> modern = switch (kw) {
            case "reqrep", "reqirep" -> replace(d, line, kw.equals("reqirep"));
            case "reqadd" -> add(d, line);
            case "reqdel", "reqidel" -> delete(d, line);
            default -> throw new IllegalArgumentException(kw);
        };
        if (modern == null) {
            return;
        }
        ConfigLine translated = new ConfigLine(line.file(), line.number(), modern);
        d.problems.warn(line, "'" + render(line.words()) + "' is HAProxy 1.x syntax; lb applies it as '"
                + render(modern) + "'");
        // Compiled by the same parser as a written http-request line, then moved to the legacy list
        // that keeps HAProxy 1.x's order.
        int before = d.actions.size();
        HttpRequestParser.parse(d, translated);
        List<Supplier<HttpRequestAction>> added = new ArrayList<>(d.actions.subList(before, d.actions.size()));
        d.actions.subList(before, d.actions.size()).clear();
        (kw.equals("reqadd") ? d.legacyAdds : d.legacyRewrites).addAll(added);
    }

    /**
     * {@code reqrep REGEX STRING [cond]}: HAProxy 1.x matched REGEX against the request line
     * ({@code METHOD URI VERSION}) and each header line, and replaced the whole line with STRING.
     * A rewrite that keeps the method and the version and changes the URI is
     * {@code replace-path} on the URI part: groups renumbered, the method group dropped.
     */
    private static List<String> replace(ProxyDraft d, ConfigLine line, boolean ignoreCase) {
        Arguments args = new Arguments(line, d.problems);
        String regex = args.word(1, "a regular expression and a replacement");
        String replacement = args.word(2, "a replacement after the regular expression");
        if (regex == null || replacement == null || !conditionFollows(d, line, 3)) {
            return null;
        }
        String kw = line.keyword();
        Matcher header = HEADER_LINE.matcher(regex);
        if (header.matches()) {
            d.problems.error(line, "'" + kw + "' on the '" + header.group(1) + "' header line is not "
                    + "translated by lb; write it as 'http-request set-header' or 'del-header'");
            return null;
        }
        String uriPrefix = null;
        String rest = null;
        String after = null;
        for (String method : ANY_METHOD) {
            String head = "^(" + method;
            if (!regex.startsWith(head)) {
                continue;
            }
            String tail = regex.substring(head.length());
            int close = tail.indexOf(')');
            if (tail.startsWith(") ")) {
                uriPrefix = "";
                rest = tail.substring(2);
                after = replacement.startsWith("\\1 ") ? renumber(replacement.substring(3)) : null;
            } else if (tail.startsWith(" ") && close > 0
                    && LITERAL.matcher(tail.substring(1, close)).matches()) {
                uriPrefix = tail.substring(1, close);
                rest = tail.substring(close + 1);
                String tailOfReplacement = replacement.startsWith("\\1") ? replacement.substring(2) : "\\1";
                after = tailOfReplacement.contains("\\1") ? null : "\\1" + tailOfReplacement;
            }
        }
        if (rest == null) {
            return untranslatable(d, line, "its regex does not start with a group matching any method, such as "
                    + "'^([^\\ ]*)\\ ' or '^([^\\ ]*\\ /)'");
        }
        if (after == null) {
            return untranslatable(d, line, "its replacement does not start with the method group ("
                    + (uriPrefix.isEmpty() ? "'\\1\\ '" : "'\\1'") + ") or uses it again later");
        }
        if (rest.contains(" ") || rest.contains("\\s") || rest.contains("\\?") || rest.endsWith("$")) {
            return untranslatable(d, line, "its regex reaches past the URI's path (a space, '\\?' or '$')");
        }
        int groups = countGroups(rest) + (uriPrefix.isEmpty() ? 0 : 1);
        if (!rest.endsWith("(.*)") || !after.endsWith("\\" + groups) || after.contains(" ")) {
            return untranslatable(d, line, "its regex must end with '(.*)' and its replacement with that "
                    + "group, which carries the rest of the URI and the HTTP version");
        }
        // With a URI prefix inside the method group, that prefix becomes group 1 and keeps the
        // request's own spelling (it matters for reqirep); without one, groups shift down by one.
        String pathRegex = (ignoreCase ? "(?i)" : "") + "^"
                + (uriPrefix.isEmpty() ? "" : "(" + uriPrefix + ")") + rest;
        List<String> out = new ArrayList<>(List.of("http-request", "replace-path", pathRegex, after));
        out.addAll(line.from(3));
        return out;
    }

    /** {@code reqadd Name:\ value [cond]}: {@code add-header Name value}, the value taken literally. */
    private static List<String> add(ProxyDraft d, ConfigLine line) {
        String header = new Arguments(line, d.problems).word(1, "a header line such as 'X-Name:\\ value'");
        if (header == null || !conditionFollows(d, line, 2)) {
            return null;
        }
        Matcher m = ADD_LINE.matcher(header);
        if (!m.matches() || m.group(2).isEmpty()) {
            d.problems.error(line, "'reqadd' expects a header line 'Name:\\ value', got '" + header + "'");
            return null;
        }
        // reqadd's text was literal; add-header's is a log-format, where '%' must be doubled.
        List<String> out = new ArrayList<>(List.of("http-request", "add-header", m.group(1),
                m.group(2).replace("%", "%%")));
        out.addAll(line.from(2));
        return out;
    }

    /**
     * {@code reqdel ^Name: [cond]}: {@code del-header Name}. lb only translates a regex that
     * names one whole header; del-header compares names without case, as HTTP does, where reqdel
     * compared them with case.
     */
    private static List<String> delete(ProxyDraft d, ConfigLine line) {
        String regex = new Arguments(line, d.problems).word(1, "a regular expression such as '^X-Name:'");
        if (regex == null || !conditionFollows(d, line, 2)) {
            return null;
        }
        Matcher m = HEADER_ANCHOR.matcher(regex);
        if (!m.matches()) {
            return untranslatable(d, line, "only '^Name:' (one whole header) has an http-request del-header "
                    + "equivalent");
        }
        List<String> out = new ArrayList<>(List.of("http-request", "del-header", m.group(1)));
        out.addAll(line.from(2));
        return out;
    }

    private static boolean conditionFollows(ProxyDraft d, ConfigLine line, int at) {
        String w = line.word(at);
        if (w == null || w.equals("if") || w.equals("unless")) {
            return true;
        }
        d.problems.error(line, "'" + line.keyword() + "' expects 'if' or 'unless' after its arguments, not '"
                + w + "'");
        return false;
    }

    private static List<String> untranslatable(ProxyDraft d, ConfigLine line, String why) {
        d.problems.error(line, "'" + render(line.words()) + "' (HAProxy 1.x syntax) has no http-request "
                + "translation in lb: " + why);
        return null;
    }

    /** Capturing groups in a regex: '(' not escaped, not in a class, not '(?'. */
    private static int countGroups(String regex) {
        int n = 0;
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '[') {
                inClass = true;
            } else if (c == ']') {
                inClass = false;
            } else if (c == '(' && !inClass && (i + 1 >= regex.length() || regex.charAt(i + 1) != '?')) {
                n++;
            }
        }
        return n;
    }

    /** {@code \N} becomes {@code \N-1} (the method group is gone); {@code null} if {@code \1} is used. */
    private static String renumber(String replacement) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if (c == '\\' && i + 1 < replacement.length() && Character.isDigit(replacement.charAt(i + 1))) {
                int g = replacement.charAt(++i) - '0';
                if (g <= 1) {
                    return null;
                }
                out.append('\\').append(g - 1);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Words as a config line again: spaces, '#' and quotes escaped as HAProxy reads them. */
    static String render(List<String> words) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            if (w.isEmpty()) {
                sb.append("\"\"");
                continue;
            }
            for (char c : w.toCharArray()) {
                if (c == ' ' || c == '#' || c == '"' || c == '\'' || c == '$') {
                    sb.append('\\');
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
