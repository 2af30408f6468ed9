package dev.lb.core.match;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One {@code acl} line: a fetch, a matching method and its patterns; true when any pattern
 * matches (HAProxy ORs the values of one line). Patterns are prepared once, at table build,
 * so a request only compares.
 */
public final class Match implements Condition {

    private final Fetch fetch;
    private final String headerName;
    private final MatchMethod method;
    private final boolean ignoreCase;
    private final List<String> patterns;
    private final Pattern[] regexes;
    private final Cidr[] cidrs;
    /** For {@link MatchMethod#INT}: inclusive ranges, two longs per pattern. */
    private final long[] ranges;
    /** For {@link Fetch#HTTP_AUTH} and {@link Fetch#HTTP_AUTH_GROUP}: the list to check; otherwise null. */
    private final Userlist userlist;

    /**
     * @param fetch what to extract
     * @param headerName for {@link Fetch#HEADER}, the header name (any case); otherwise empty
     * @param method how to compare
     * @param ignoreCase the {@code -i} flag
     * @param patterns the values as written
     * @throws IllegalArgumentException when a pattern is not valid for the method
     */
    public Match(Fetch fetch, String headerName, MatchMethod method, boolean ignoreCase,
            List<String> patterns) {
        this(fetch, headerName, method, ignoreCase, patterns, null);
    }

    private Match(Fetch fetch, String headerName, MatchMethod method, boolean ignoreCase,
            List<String> patterns, Userlist userlist) {
        this.userlist = userlist;
        this.fetch = Objects.requireNonNull(fetch);
        this.headerName = headerName.toLowerCase(Locale.ROOT);
        this.method = Objects.requireNonNull(method);
        this.ignoreCase = ignoreCase;
        this.patterns = ignoreCase && method != MatchMethod.REG
                ? patterns.stream().map(p -> p.toLowerCase(Locale.ROOT)).toList()
                : List.copyOf(patterns);
        this.regexes = method == MatchMethod.REG
                ? this.patterns.stream()
                        .map(p -> Pattern.compile(p, ignoreCase ? Pattern.CASE_INSENSITIVE : 0))
                        .toArray(Pattern[]::new)
                : new Pattern[0];
        this.cidrs = method == MatchMethod.IP
                ? this.patterns.stream().map(Cidr::parse).toArray(Cidr[]::new)
                : new Cidr[0];
        this.ranges = method == MatchMethod.INT ? ranges(this.patterns) : new long[0];
    }

    /** {@code http_auth(LIST)}: the request carries the Basic credentials of a user of {@code list}. */
    public static Match httpAuth(Userlist list) {
        return new Match(Fetch.HTTP_AUTH, "", MatchMethod.BOOL, false, List.of(), Objects.requireNonNull(list));
    }

    /**
     * {@code http_auth_group(LIST) GROUP...}: as {@link #httpAuth}, and that user belongs to one of
     * {@code groups} (HAProxy's {@code pat_match_auth}).
     */
    public static Match httpAuthGroup(Userlist list, List<String> groups) {
        return new Match(Fetch.HTTP_AUTH_GROUP, "", MatchMethod.STR, false, groups,
                Objects.requireNonNull(list));
    }

    /** {@code N} or {@code LOW:HIGH} (either side may be empty), as HAProxy's integer patterns. */
    private static long[] ranges(List<String> patterns) {
        long[] r = new long[patterns.size() * 2];
        for (int i = 0; i < patterns.size(); i++) {
            String p = patterns.get(i);
            int colon = p.indexOf(':');
            try {
                if (colon < 0) {
                    r[2 * i] = Long.parseLong(p);
                    r[2 * i + 1] = r[2 * i];
                } else {
                    String lo = p.substring(0, colon);
                    String hi = p.substring(colon + 1);
                    r[2 * i] = lo.isEmpty() ? Long.MIN_VALUE : Long.parseLong(lo);
                    r[2 * i + 1] = hi.isEmpty() ? Long.MAX_VALUE : Long.parseLong(hi);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + p + "' is not an integer or a range such as 1:3");
            }
        }
        return r;
    }

    public Fetch fetch() {
        return fetch;
    }

    public String headerName() {
        return headerName;
    }

    public MatchMethod method() {
        return method;
    }

    public boolean ignoreCase() {
        return ignoreCase;
    }

    /** The patterns, lower-cased when {@link #ignoreCase()} (except regexes). */
    public List<String> patterns() {
        return patterns;
    }

    /** True for {@code hdr(host)} with the exact-string method: what the route index hashes. */
    public boolean isHostEquality() {
        return fetch == Fetch.HEADER && "host".equals(headerName) && method == MatchMethod.STR;
    }

    /** True for {@code path_beg}: what the route index puts in its prefix tree. */
    public boolean isPathPrefix() {
        return fetch == Fetch.PATH && method == MatchMethod.BEG;
    }

    /** The userlist of an {@code http_auth} or {@code http_auth_group} match, or null. */
    public Userlist userlist() {
        return userlist;
    }

    @Override
    public boolean test(RequestFacts request) {
        if (userlist != null) {
            return authenticated(request);
        }
        switch (method) {
            case BOOL:
                return fetch == Fetch.SSL_FC && request.ssl();
            case IP: {
                InetAddress src = request.source();
                if (src == null) {
                    return false;
                }
                for (Cidr c : cidrs) {
                    if (c.contains(src)) {
                        return true;
                    }
                }
                return false;
            }
            default:
                break;
        }
        String value = fetch.extract(request, headerName);
        if (value == null) {
            return false;
        }
        if (method == MatchMethod.FOUND) {
            return true;
        }
        if (method == MatchMethod.INT) {
            long v;
            try {
                v = Long.parseLong(value);
            } catch (NumberFormatException e) {
                return false;
            }
            for (int i = 0; i < ranges.length; i += 2) {
                if (v >= ranges[i] && v <= ranges[i + 1]) {
                    return true;
                }
            }
            return false;
        }
        if (method == MatchMethod.REG) {
            for (Pattern p : regexes) {
                if (p.matcher(value).find()) {
                    return true;
                }
            }
            return false;
        }
        if (ignoreCase) {
            value = value.toLowerCase(Locale.ROOT);
        }
        for (String p : patterns) {
            if (matches(value, p)) {
                return true;
            }
        }
        return false;
    }

    private boolean authenticated(RequestFacts request) {
        Userlist.User user = userlist.authenticate(request.header("authorization"));
        if (user == null || fetch == Fetch.HTTP_AUTH) {
            return user != null;
        }
        for (String group : patterns) {
            if (user.groups().contains(group)) {
                return true;
            }
        }
        return false;
    }

    private boolean matches(String value, String p) {
        return switch (method) {
            case STR -> value.equals(p);
            case BEG -> value.startsWith(p);
            case END -> value.endsWith(p);
            case SUB -> value.contains(p);
            case DOM -> DomainWord.matches(value, p);
            default -> false;
        };
    }

    @Override
    public String describe() {
        if (userlist != null) {
            return (fetch == Fetch.HTTP_AUTH ? "http_auth(" : "http_auth_group(") + userlist.name() + ")"
                    + (patterns.isEmpty() ? "" : " " + String.join(" ", patterns));
        }
        String f = switch (fetch) {
            case HEADER -> "hdr(" + headerName + ")";
            case PATH -> "path";
            case URL -> "url";
            case SRC -> "src";
            case SSL_FC -> "ssl_fc";
            case REQ_SSL_SNI -> "req.ssl_sni";
            case REQ_SSL_HELLO_TYPE -> "req.ssl_hello_type";
            case HTTP_AUTH, HTTP_AUTH_GROUP -> throw new IllegalStateException("described above");
        };
        return f + " -m " + method.name().toLowerCase(Locale.ROOT) + (ignoreCase ? " -i" : "")
                + (patterns.isEmpty() ? "" : " " + String.join(" ", patterns));
    }

    @Override
    public String toString() {
        return describe();
    }
}
