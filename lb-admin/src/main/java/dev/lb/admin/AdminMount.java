package dev.lb.admin;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.nio.charset.StandardCharsets;

/**
 * What one admin listener serves: its stats pages (longest URI prefix first) and who may see
 * them. {@code lb.admin.bind} and any stats section on the same address share one mount.
 *
 * @param pages the stats pages, by their {@code stats uri} prefixes
 * @param users {@code user:password} pairs; empty means no authentication
 * @param realm the Basic realm sent with a 401
 */
record AdminMount(List<StatsPage> pages, List<String> users, String realm) {

    AdminMount {
        List<StatsPage> sorted = new ArrayList<>(pages);
        sorted.sort(Comparator.comparingInt((StatsPage p) -> p.uri().length()).reversed());
        pages = List.copyOf(sorted);
        users = List.copyOf(users);
    }

    /** The page whose prefix {@code uri} starts with, or {@code null}. */
    StatsPage page(String uri) {
        for (StatsPage p : pages) {
            if (uri.startsWith(p.uri())) {
                return p;
            }
        }
        return null;
    }

    /** Whether an {@code Authorization} header value lets the request in. */
    boolean allows(String authorization) {
        if (users.isEmpty()) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String given;
        try {
            given = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (String u : users) {
            if (java.security.MessageDigest.isEqual(u.getBytes(StandardCharsets.UTF_8),
                    given.getBytes(StandardCharsets.UTF_8))) {
                return true;
            }
        }
        return false;
    }
}
