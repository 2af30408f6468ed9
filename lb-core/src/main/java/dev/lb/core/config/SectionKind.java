package dev.lb.core.config;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The section keywords of haproxy.cfg (configuration manual, 3 and 4). */
enum SectionKind {
    GLOBAL, DEFAULTS, FRONTEND, BACKEND, LISTEN, RESOLVERS, USERLIST,
    /** Sections HAProxy has and lb does not implement yet: their bodies are skipped. */
    PEERS, MAILERS, CACHE, PROGRAM, HTTP_ERRORS, RING;

    /** Keyword to kind, built once: every line of every file asks whether it opens a section. */
    private static final Map<String, SectionKind> BY_KEYWORD = new HashMap<>();

    static {
        for (SectionKind k : values()) {
            BY_KEYWORD.put(k.keyword(), k);
        }
    }

    /** The section a keyword opens, if it is one. */
    static Optional<SectionKind> of(String keyword) {
        return Optional.ofNullable(BY_KEYWORD.get(keyword));
    }

    String keyword() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether the section describes a proxy: the sections that build the routing table. */
    boolean isProxy() {
        return this == FRONTEND || this == BACKEND || this == LISTEN;
    }

    boolean hasFrontend() {
        return this == FRONTEND || this == LISTEN;
    }

    boolean hasBackend() {
        return this == BACKEND || this == LISTEN;
    }
}
