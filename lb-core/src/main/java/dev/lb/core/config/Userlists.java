package dev.lb.core.config;

import dev.lb.core.match.ShaCrypt;
import dev.lb.core.match.Userlist;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code userlist} sections (configuration manual, 3.4): {@code group NAME [users U1,U2]} and
 * {@code user NAME insecure-password PASS|password HASH [groups G1,G2]}, read into
 * {@link Userlist}s for the {@code http_auth} ACLs and the stats page. Of the crypt(3) hashes,
 * SHA-crypt ({@code $5$}, {@code $6$}) is checked; others are a line-numbered error. A member
 * naming an unknown user or group is an error, as in HAProxy; duplicates, which HAProxy ignores
 * with a warning, are errors here.
 */
final class Userlists {

    private Userlists() {
    }

    /** A user line while its section is read. */
    private record Draft(String name, String password, boolean hashed, List<String> groups,
            ConfigLine line) {
    }

    /** Every userlist by name. */
    static Map<String, Userlist> read(List<Section> sections, Problems problems) {
        Map<String, Userlist> lists = new HashMap<>();
        for (Section s : sections) {
            if (s.kind() != SectionKind.USERLIST) {
                continue;
            }
            if (lists.containsKey(s.name())) {
                problems.error(s.header(), "userlist '" + s.name() + "' is declared twice");
                continue;
            }
            lists.put(s.name(), read(s, problems));
        }
        return lists;
    }

    private static Userlist read(Section s, Problems problems) {
        Map<String, Draft> users = new LinkedHashMap<>();
        Set<String> userNames = new HashSet<>();
        Map<String, List<String>> groupMembers = new LinkedHashMap<>();
        Map<String, ConfigLine> groupLines = new HashMap<>();
        for (ConfigLine line : s.body()) {
            switch (line.keyword()) {
                case "user" -> user(line, users, userNames, problems);
                case "group" -> group(line, groupMembers, groupLines, problems);
                default -> problems.error(line, "unknown keyword '" + line.keyword()
                        + "' in a 'userlist' section (expected user or group)");
            }
        }
        // Membership is declared from either side; both sides are resolved once the section is read.
        Map<String, Set<String>> groupsOf = new HashMap<>();
        for (Draft u : users.values()) {
            Set<String> gs = groupsOf.computeIfAbsent(u.name(), n -> new LinkedHashSet<>());
            for (String g : u.groups()) {
                if (!groupMembers.containsKey(g)) {
                    problems.error(u.line(), "userlist '" + s.name() + "': no such group '" + g
                            + "' for user '" + u.name() + "'");
                }
                gs.add(g);
            }
        }
        groupMembers.forEach((g, members) -> {
            for (String m : members) {
                if (!users.containsKey(m)) {
                    problems.error(groupLines.get(g), "userlist '" + s.name() + "': no such user '" + m
                            + "' in group '" + g + "'");
                } else {
                    groupsOf.get(m).add(g);
                }
            }
        });
        List<Userlist.User> out = new ArrayList<>();
        for (Draft u : users.values()) {
            out.add(new Userlist.User(u.name(), u.password(), u.hashed(), groupsOf.get(u.name())));
        }
        return new Userlist(s.name(), out, groupMembers.keySet());
    }

    /** {@code user NAME [insecure-password P | password HASH] [groups G1,G2]}, options in any order. */
    private static void user(ConfigLine line, Map<String, Draft> users, Set<String> names,
            Problems problems) {
        String name = line.word(1);
        if (name == null) {
            problems.error(line, "'user' expects a name");
            return;
        }
        if (!names.add(name)) {
            problems.error(line, "user '" + name + "' is listed twice");
            return;
        }
        String password = null;
        boolean hashed = false;
        List<String> groups = List.of();
        List<String> words = line.from(2);
        for (int i = 0; i < words.size(); i += 2) {
            String option = words.get(i);
            String value = i + 1 < words.size() ? words.get(i + 1) : null;
            switch (option) {
                case "insecure-password" -> {
                    password = value;
                    hashed = false;
                }
                case "password" -> {
                    Optional<String> refusal = hashRefusal(value);
                    if (refusal.isPresent()) {
                        problems.error(line, "user '" + name + "': " + refusal.get());
                        return;
                    }
                    password = value;
                    hashed = true;
                }
                case "groups" -> groups = value == null ? List.of() : names(value);
                default -> {
                    problems.error(line, "'user' only takes insecure-password, password and groups, not '"
                            + option + "'");
                    return;
                }
            }
        }
        if (password == null) {
            problems.error(line, "'user " + name + "' expects insecure-password PASSWORD or password HASH");
            return;
        }
        users.put(name, new Draft(name, password, hashed, groups, line));
    }

    /** Why lb cannot check a {@code password} hash: it checks SHA-crypt ($5$, $6$) only. */
    private static Optional<String> hashRefusal(String hash) {
        if (hash == null) {
            return Optional.of("'password' expects a crypt(3) hash");
        }
        if (ShaCrypt.isShaCrypt(hash)) {
            return ShaCrypt.problem(hash).map(p -> "bad SHA-crypt hash: " + p);
        }
        String form = hash.startsWith("$1$") ? "MD5-crypt ($1$)"
                : hash.startsWith("$") ? "hash form '" + hash.substring(0, hash.indexOf('$', 1) + 1) + "'"
                : "DES crypt";
        return Optional.of(form + " is not implemented yet; use a SHA-crypt hash ($5$ or $6$, e.g. "
                + "'mkpasswd -m sha-512') or insecure-password");
    }

    /** {@code group NAME [users U1,U2]}. */
    private static void group(ConfigLine line, Map<String, List<String>> groups, Map<String, ConfigLine> lines,
            Problems problems) {
        String name = line.word(1);
        if (name == null) {
            problems.error(line, "'group' expects a name");
            return;
        }
        if (groups.containsKey(name)) {
            problems.error(line, "group '" + name + "' is listed twice");
            return;
        }
        List<String> rest = line.from(2);
        if (!rest.isEmpty() && (!rest.get(0).equals("users") || rest.size() != 2)) {
            problems.error(line, "'group " + name + "' only takes 'users NAME1,NAME2'");
            return;
        }
        groups.put(name, rest.isEmpty() ? List.of() : names(rest.get(1)));
        lines.put(name, line);
    }

    /** A comma-separated list, empty items dropped (HAProxy splits with strtok). */
    private static List<String> names(String list) {
        return java.util.Arrays.stream(list.split(",")).filter(n -> !n.isEmpty()).toList();
    }
}
