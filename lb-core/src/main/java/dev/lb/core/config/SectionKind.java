package dev.lb.core.config;

import java.util.Locale;
import java.util.Optional;

/** The section keywords of haproxy.cfg (configuration manual, 3 and 4). */
enum SectionKind {
    GLOBAL, DEFAULTS, FRONTEND, BACKEND, LISTEN, RESOLVERS, USERLIST,
    /** Sections HAProxy has and lb does not implement yet: their bodies are skipped. */
    PEERS, MAILERS, CACHE, PROGRAM, HTTP_ERRORS, RING;

    /** The section a keyword opens, if it is one. */
    static Optional<SectionKind> of(String keyword) {
        for (SectionKind k : values()) {
            if (k.keyword().equals(keyword)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
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
