package dev.lb.core.match;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code userlist} section (configuration manual, 3.4): its users, their passwords and
 * groups. The {@code http_auth} and {@code http_auth_group} ACLs check a request's
 * {@code Authorization: Basic} credentials against it. Immutable, shared by every event loop.
 */
public final class Userlist {

    /**
     * One {@code user} line.
     *
     * @param name the user name
     * @param password the {@code insecure-password}, or the {@code password} hash, as written
     * @param hashed whether {@code password} is a SHA-crypt hash ({@link ShaCrypt})
     * @param groups the groups it belongs to, from its own {@code groups} option and from the
     *        {@code users} option of {@code group} lines
     */
    public record User(String name, String password, boolean hashed, Set<String> groups) {
        public User {
            groups = Set.copyOf(groups);
        }
    }

    private final String name;
    private final Map<String, User> users;
    private final Set<String> groups;

    /**
     * @param users in declaration order
     * @param groups every group the section declares, members or not
     */
    public Userlist(String name, List<User> users, Set<String> groups) {
        this.name = name;
        Map<String, User> byName = new LinkedHashMap<>();
        users.forEach(u -> byName.put(u.name(), u));
        this.users = java.util.Collections.unmodifiableMap(byName);
        this.groups = Set.copyOf(groups);
    }

    public String name() {
        return name;
    }

    /** The users by name, in declaration order. */
    public Map<String, User> users() {
        return users;
    }

    /** Whether the section declares this group. */
    public boolean hasGroup(String group) {
        return groups.contains(group);
    }

    /**
     * The user whose name and password an {@code Authorization} header value carries, or
     * {@code null} when the header is absent, not Basic, malformed, or its credentials do not
     * match (HAProxy's {@code get_http_auth} then {@code check_user}). The scheme is
     * case-insensitive (RFC 9110 §11.1); the credentials are {@code base64(user ":" password)}.
     */
    public User authenticate(String authorization) {
        if (authorization == null) {
            return null;
        }
        int space = authorization.indexOf(' ');
        if (space <= 0 || !authorization.regionMatches(true, 0, "Basic", 0, 5) || space != 5) {
            return null;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(authorization.substring(space + 1).trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        String credentials = new String(decoded, StandardCharsets.UTF_8);
        int colon = credentials.indexOf(':');
        if (colon < 0) {
            return null;
        }
        User u = users.get(credentials.substring(0, colon));
        if (u == null) {
            return null;
        }
        String given = credentials.substring(colon + 1);
        // Constant-time, so that the answer's timing does not tell how much of a guess was right.
        boolean ok = u.hashed() ? ShaCrypt.matches(given, u.password())
                : MessageDigest.isEqual(u.password().getBytes(StandardCharsets.UTF_8),
                        given.getBytes(StandardCharsets.UTF_8));
        return ok ? u : null;
    }

    @Override
    public String toString() {
        return "userlist " + name;
    }
}
