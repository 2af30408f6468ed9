package dev.lb.core.config;

import dev.lb.core.match.Condition;
import dev.lb.core.match.Fetch;
import dev.lb.core.match.Match;
import dev.lb.core.match.MatchMethod;
import dev.lb.core.match.Userlist;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The named ACLs of one proxy. Lines sharing a name OR together (configuration manual, 7.1:
 * "several ACLs may be declared with the same name... they are ORed"). A name must be declared
 * before a rule uses it, as HAProxy requires, but lines added later still join it: the
 * conditions are built when the section ends.
 */
final class AclRegistry {

    /** HAProxy's predefined ACLs that lb can express (manual, 7.4). */
    private static final Map<String, Condition> PREDEFINED = Map.of(
            "TRUE", Condition.Always.TRUE,
            "FALSE", new Condition.Always(false),
            // lb only builds http-mode proxies, so every request it evaluates is valid HTTP.
            "HTTP", Condition.Always.TRUE,
            "HTTP_URL_ABS", new Match(Fetch.URL, "", MatchMethod.REG, false, List.of("^[^/:]*://")),
            "HTTP_URL_SLASH", new Match(Fetch.URL, "", MatchMethod.BEG, false, List.of("/")),
            "HTTP_URL_STAR", new Match(Fetch.URL, "", MatchMethod.STR, false, List.of("*")),
            "LOCALHOST", new Match(Fetch.SRC, "", MatchMethod.IP, false, List.of("127.0.0.1/8", "::1")));

    private static final Set<String> PREDEFINED_NOT_YET = Set.of("HTTP_1.0", "HTTP_1.1", "HTTP_2.0",
            "HTTP_CONTENT", "METH_CONNECT", "METH_DELETE", "METH_GET", "METH_HEAD", "METH_OPTIONS",
            "METH_POST", "METH_PUT", "METH_TRACE", "RDP_COOKIE", "REQ_CONTENT", "WAIT_END");

    private final Map<String, List<Match>> named = new LinkedHashMap<>();
    private final Map<String, Userlist> userlists;

    /** @param userlists every userlist of the configuration, for {@code http_auth(LIST)} */
    AclRegistry(Map<String, Userlist> userlists) {
        this.userlists = Map.copyOf(userlists);
    }

    /** The configuration's userlists by name. */
    Map<String, Userlist> userlists() {
        return userlists;
    }

    void define(String name, Match match) {
        named.computeIfAbsent(name, n -> new ArrayList<>()).add(match);
    }

    boolean isDeclared(String name) {
        return named.containsKey(name);
    }

    /** Why a predefined ACL name is refused, or empty when lb knows it or it is not predefined. */
    static Optional<String> refusal(String name) {
        return PREDEFINED_NOT_YET.contains(name)
                ? Optional.of("predefined ACL '" + name + "' is not implemented yet")
                : Optional.empty();
    }

    /** Whether the name can be used now: declared in this proxy, or predefined. */
    boolean isKnown(String name) {
        return named.containsKey(name) || PREDEFINED.containsKey(name);
    }

    /** The condition for a known name, with every line declared so far. */
    Condition resolve(String name) {
        List<Match> lines = named.get(name);
        if (lines == null) {
            return PREDEFINED.get(name);
        }
        return lines.size() == 1 ? lines.get(0) : new Condition.AnyOf(List.copyOf(lines));
    }
}
