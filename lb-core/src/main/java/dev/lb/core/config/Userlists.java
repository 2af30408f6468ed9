package dev.lb.core.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code userlist} sections (configuration manual, 3.4): users with
 * {@code insecure-password}, which the stats page's {@code stats http-request auth} checks.
 * Hashed {@code password} (crypt(3)) is not implemented: a line-numbered error says so.
 */
final class Userlists {

    private Userlists() {
    }

    /** Every userlist by name, as {@code user:password} pairs, in declaration order. */
    static Map<String, List<String>> read(List<Section> sections, Problems problems) {
        Map<String, List<String>> lists = new HashMap<>();
        for (Section s : sections) {
            if (s.kind() != SectionKind.USERLIST) {
                continue;
            }
            if (lists.containsKey(s.name())) {
                problems.error(s.header(), "userlist '" + s.name() + "' is declared twice");
                continue;
            }
            List<String> users = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (ConfigLine line : s.body()) {
                switch (line.keyword()) {
                    case "user" -> user(line, users, names, problems);
                    case "group" -> {
                        // Groups only matter to http_auth_group(), which lb does not have.
                    }
                    default -> problems.error(line, "unknown keyword '" + line.keyword()
                            + "' in a 'userlist' section (expected user or group)");
                }
            }
            lists.put(s.name(), List.copyOf(users));
        }
        return lists;
    }

    private static void user(ConfigLine line, List<String> users, List<String> names, Problems problems) {
        String name = line.word(1);
        if (name == null) {
            problems.error(line, "'user' expects a name");
            return;
        }
        if (names.contains(name)) {
            problems.error(line, "user '" + name + "' is listed twice");
            return;
        }
        names.add(name);
        String kind = line.word(2);
        String secret = line.word(3);
        if ("insecure-password".equals(kind) && secret != null) {
            users.add(name + ":" + secret);
        } else if ("password".equals(kind)) {
            problems.error(line, "hashed passwords ('password', crypt(3)) are not implemented yet; "
                    + "use 'insecure-password'");
        } else {
            problems.error(line, "'user " + name + "' expects insecure-password PASSWORD");
        }
    }
}
