package dev.lb.core.balance;

import java.util.Locale;
import java.util.Optional;

/** The {@code balance} algorithms lb implements. */
public enum Algorithm {
    ROUNDROBIN, LEASTCONN, SOURCE, FIRST;

    /** The algorithm for a {@code balance} keyword, if lb implements it. */
    public static Optional<Algorithm> of(String keyword) {
        for (Algorithm a : values()) {
            if (a.name().equals(keyword.toUpperCase(Locale.ROOT))) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
