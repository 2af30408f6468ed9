package dev.lb.core.config;

import dev.lb.core.match.Match;
import dev.lb.core.match.MatchMethod;
import dev.lb.core.match.Userlist;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Parses the expression of an ACL, {@code CRITERION [flags] [--] [VALUE...]} (configuration
 * manual, 7.1 "ACL basics"), into a {@link Match}. Used for {@code acl} lines and for
 * anonymous {@code { ... }} ACLs alike.
 */
final class AclParser {

    private AclParser() {
    }

    /**
     * @param words the criterion and what follows it
     * @param userlists the configuration's userlists, which {@code http_auth(LIST)} names
     * @return the match, or empty after reporting why there is none
     */
    static Optional<Match> parse(List<String> words, Map<String, Userlist> userlists, ConfigLine line,
            Problems problems) {
        if (words.isEmpty()) {
            problems.error(line, "missing ACL criterion");
            return Optional.empty();
        }
        String criterion = words.get(0);
        if (criterion.indexOf(',') > 0) {
            problems.error(line, "converters in ACL criteria ('" + criterion + "') are not implemented yet");
            return Optional.empty();
        }
        int open = criterion.indexOf('(');
        String fetchName = open < 0 ? criterion : criterion.substring(0, open);
        String argument = "";
        if (open >= 0) {
            if (!criterion.endsWith(")")) {
                problems.error(line, "missing ')' in ACL criterion '" + criterion + "'");
                return Optional.empty();
            }
            argument = criterion.substring(open + 1, criterion.length() - 1).trim();
        }
        if (fetchName.equals("http_auth") || fetchName.equals("http_auth_group")) {
            return httpAuth(fetchName, argument, words.subList(1, words.size()), userlists, line, problems);
        }
        Optional<String> refusal = AclCriterion.notYet(fetchName);
        if (refusal.isPresent()) {
            problems.error(line, "ACL criterion '" + fetchName + "': " + refusal.get());
            return Optional.empty();
        }
        Optional<AclCriterion> known = AclCriterion.of(fetchName);
        if (known.isEmpty()) {
            problems.error(line, "ACL criterion '" + criterion + "' is not implemented yet (lb matches hdr, "
                    + "req.hdr, hdr_beg/end/sub/dom/reg, path, path_beg/end/sub/dom/reg, url, "
                    + "url_beg/end/sub/dom/reg, src, ssl_fc, req_ssl_sni, req_ssl_hello_type, http_auth, "
                    + "http_auth_group)");
            return Optional.empty();
        }
        AclCriterion c = known.get();
        if (c.takesHeader() && argument.isEmpty()) {
            problems.error(line, "ACL criterion '" + criterion + "' needs a header name, as in "
                    + fetchName + "(host)");
            return Optional.empty();
        }
        if (c.takesHeader() && argument.contains(",")) {
            problems.error(line, "header occurrence arguments ('" + criterion + "') are not implemented yet");
            return Optional.empty();
        }
        if (!c.takesHeader() && !argument.isEmpty()) {
            problems.error(line, "ACL criterion '" + fetchName + "' takes no argument");
            return Optional.empty();
        }
        return flagsAndValues(c, argument, words.subList(1, words.size()), line, problems);
    }

    /**
     * {@code http_auth(LIST)} and {@code http_auth_group(LIST) GROUP...} (manual 7.3.6). As in
     * HAProxy, the list must exist (it may be declared later in the file) and so must each group.
     */
    private static Optional<Match> httpAuth(String fetch, String list, List<String> rest,
            Map<String, Userlist> userlists, ConfigLine line, Problems problems) {
        if (list.isEmpty()) {
            problems.error(line, "'" + fetch + "' needs a userlist name, as in " + fetch + "(admins)");
            return Optional.empty();
        }
        Userlist userlist = userlists.get(list);
        if (userlist == null) {
            problems.error(line, "no userlist named '" + list + "' (in " + fetch + "(" + list + "))");
            return Optional.empty();
        }
        List<String> values = new ArrayList<>(rest);
        boolean silenced = !values.isEmpty() && values.get(0).equals("--");
        if (silenced) {
            values.remove(0);
        }
        if (values.stream().anyMatch(v -> v.startsWith("-"))) {
            problems.error(line, "'" + fetch + "' takes no flag (put '--' before a value that starts "
                    + "with '-')");
            return Optional.empty();
        }
        if (fetch.equals("http_auth")) {
            if (!values.isEmpty()) {
                problems.error(line, "'" + String.join(" ", values) + "': http_auth takes no value (to require "
                        + "a group, use http_auth_group(" + list + ") GROUP)");
                return Optional.empty();
            }
            return Optional.of(Match.httpAuth(userlist));
        }
        for (String g : values) {
            if (!userlist.hasGroup(g)) {
                problems.error(line, "userlist '" + list + "' has no group '" + g + "'");
                return Optional.empty();
            }
        }
        if (values.isEmpty() && !silenced) {
            problems.warn(line, "no group to match against, so this ACL never matches");
        }
        return Optional.of(Match.httpAuthGroup(userlist, values));
    }

    private static Optional<Match> flagsAndValues(AclCriterion c, String header, List<String> rest,
            ConfigLine line, Problems problems) {
        boolean ignoreCase = false;
        MatchMethod method = c.method();
        int i = 0;
        while (i < rest.size() && rest.get(i).startsWith("-") && rest.get(i).length() > 1) {
            String flag = rest.get(i);
            if (flag.equals("--")) {
                i++;
                break;
            }
            switch (flag) {
                case "-i" -> ignoreCase = true;
                case "-n" -> {
                    // "-n" forbids DNS resolution of patterns; lb never resolves them anyway.
                }
                case "-m" -> {
                    String m = i + 1 < rest.size() ? rest.get(++i) : null;
                    Optional<MatchMethod> parsed = method(m);
                    if (parsed.isEmpty()) {
                        problems.error(line, m == null ? "'-m' needs a matching method"
                                : "matching method '-m " + m + "' is not implemented yet (lb has "
                                        + "str, beg, end, sub, dom, reg, found, ip, bool, int)");
                        return Optional.empty();
                    }
                    if (!c.accepts(parsed.get())) {
                        problems.error(line, "matching method '-m " + m + "' does not apply to this criterion");
                        return Optional.empty();
                    }
                    method = parsed.get();
                }
                case "-f" -> {
                    problems.error(line, "ACL pattern files (-f) are not implemented yet");
                    return Optional.empty();
                }
                case "-M" -> {
                    problems.error(line, "ACL map files (-M) are not implemented yet");
                    return Optional.empty();
                }
                case "-u" -> {
                    // A unique id for the runtime API's "add acl"; it does not change matching.
                    i++;
                }
                default -> {
                    problems.error(line, "unknown ACL flag '" + flag + "' (put '--' before a value "
                            + "that starts with '-')");
                    return Optional.empty();
                }
            }
            i++;
        }
        List<String> values = new ArrayList<>(rest.subList(Math.min(i, rest.size()), rest.size()));
        boolean valueless = method == MatchMethod.BOOL || method == MatchMethod.FOUND;
        if (valueless && !values.isEmpty()) {
            problems.error(line, "'" + String.join(" ", values) + "': this ACL takes no value");
            return Optional.empty();
        }
        if (!valueless && values.isEmpty() && !rest.contains("--")) {
            // HAProxy's own warning: such an ACL is valid and never matches.
            problems.warn(line, "no pattern to match against, so this ACL never matches (use '-m found' "
                    + "to test presence, or '--' to silence this warning)");
        }
        try {
            return Optional.of(new Match(c.fetch(), header, method, ignoreCase, values));
        } catch (IllegalArgumentException e) {
            problems.error(line, "bad ACL pattern: " + e.getMessage().lines().findFirst().orElse(""));
            return Optional.empty();
        }
    }

    private static Optional<MatchMethod> method(String m) {
        if (m == null) {
            return Optional.empty();
        }
        for (MatchMethod candidate : MatchMethod.values()) {
            if (candidate.name().toLowerCase(Locale.ROOT).equals(m)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
