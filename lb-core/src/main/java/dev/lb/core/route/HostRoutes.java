package dev.lb.core.route;

/**
 * The indexed clauses that share one host constraint (one Host value, or "any host"): those
 * without a path term, and path terms in a case-sensitive and an ignore-case {@link PrefixTrie}.
 */
final class HostRoutes {

    private final int anyPathMin;
    private final PrefixTrie exact;
    private final PrefixTrie folded;

    private HostRoutes(int anyPathMin, PrefixTrie exact, PrefixTrie folded) {
        this.anyPathMin = anyPathMin;
        this.exact = exact;
        this.folded = folded;
    }

    /** The lowest matching rule number for a request with this host and {@code path} (maybe {@code null}). */
    int lookup(String path, int best) {
        best = Math.min(best, anyPathMin);
        // A missing path fails every path term, as Match.test does; a host-only clause still holds.
        if (path != null) {
            if (exact != null) {
                best = exact.lookup(path, best);
            }
            if (folded != null) {
                best = folded.lookup(path, best);
            }
        }
        return best;
    }

    /** Build-time accumulator for one host. */
    static final class Builder {
        private int anyPathMin = PrefixTrie.NONE;
        private PrefixTrie.Builder exact;
        private PrefixTrie.Builder folded;

        void addAnyPath(int rule) {
            anyPathMin = Math.min(anyPathMin, rule);
        }

        void addPath(String pattern, boolean ignoreCase, boolean prefix, int rule) {
            PrefixTrie.Builder trie;
            if (ignoreCase) {
                trie = folded != null ? folded : (folded = new PrefixTrie.Builder(true));
            } else {
                trie = exact != null ? exact : (exact = new PrefixTrie.Builder(false));
            }
            if (prefix) {
                trie.addPrefix(pattern, rule);
            } else {
                trie.addExact(pattern, rule);
            }
        }

        HostRoutes build() {
            return new HostRoutes(anyPathMin,
                    exact == null ? null : exact.build(),
                    folded == null ? null : folded.build());
        }
    }
}
