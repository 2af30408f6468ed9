package dev.lb.core.route;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A path prefix tree (radix tree: chains without branches are merged into one edge) whose
 * nodes keep the lowest rule number of the {@code path_beg} patterns ending there, and of the
 * {@code path} exact patterns ending there. A lookup walks the path once and returns the
 * lowest rule number that matches, without allocating.
 *
 * <p>An ignore-case tree holds patterns lower-cased by {@link dev.lb.core.match.Match} and
 * lower-cases ASCII path characters as it walks. {@code Match} lower-cases the whole value with
 * {@link String#toLowerCase(Locale)}, which may change the length of non-ASCII text, so on the
 * first non-ASCII character the walk starts again over the lower-cased copy: exact agreement
 * with the linear scan matters more than the rare allocation.
 */
final class PrefixTrie {

    /** "No rule": larger than any rule number, so that {@code min} needs no special case. */
    static final int NONE = Integer.MAX_VALUE;

    private static final int RESTART_LOWERED = -1;
    private static final Node[] NO_CHILDREN = new Node[0];

    private final Node root;
    private final boolean ignoreCase;

    private PrefixTrie(Node root, boolean ignoreCase) {
        this.root = root;
        this.ignoreCase = ignoreCase;
    }

    /**
     * The lowest rule number whose pattern matches {@code path}, or {@code best} when none is
     * lower. Passing the best candidate so far lets the walk stop early.
     */
    int lookup(String path, int best) {
        if (!ignoreCase) {
            return walk(path, best, false);
        }
        int found = walk(path, best, true);
        return found != RESTART_LOWERED ? found : walk(path.toLowerCase(Locale.ROOT), best, false);
    }

    private int walk(String path, int best, boolean foldAscii) {
        Node n = root;
        int pos = 0;
        int len = path.length();
        while (true) {
            best = Math.min(best, n.prefixMin);
            if (pos == len) {
                return Math.min(best, n.exactMin);
            }
            if (n.minBelow >= best) {
                return best;
            }
            char c = path.charAt(pos);
            if (foldAscii) {
                if (c >= 0x80) {
                    return RESTART_LOWERED;
                }
                c = lowerAscii(c);
            }
            Node child = n.child(c);
            if (child == null) {
                return best;
            }
            char[] label = child.label;
            for (int i = 1; i < label.length; i++) {
                if (pos + i >= len) {
                    return best;
                }
                char d = path.charAt(pos + i);
                if (foldAscii) {
                    if (d >= 0x80) {
                        return RESTART_LOWERED;
                    }
                    d = lowerAscii(d);
                }
                if (d != label[i]) {
                    return best;
                }
            }
            pos += label.length;
            n = child;
        }
    }

    private static char lowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /** One frozen node: the edge leading to it, what ends here, and what lies below. */
    private static final class Node {
        final char[] label;
        final int prefixMin;
        final int exactMin;
        final int minBelow;
        final char[] keys;
        final Node[] children;

        Node(char[] label, int prefixMin, int exactMin, char[] keys, Node[] children) {
            this.label = label;
            this.prefixMin = prefixMin;
            this.exactMin = exactMin;
            this.keys = keys;
            this.children = children;
            int below = NONE;
            for (Node ch : children) {
                below = Math.min(below, Math.min(ch.minBelow, Math.min(ch.prefixMin, ch.exactMin)));
            }
            this.minBelow = below;
        }

        Node child(char c) {
            char[] k = keys;
            if (k.length <= 8) {
                for (int i = 0; i < k.length; i++) {
                    if (k[i] == c) {
                        return children[i];
                    }
                }
                return null;
            }
            int i = Arrays.binarySearch(k, c);
            return i >= 0 ? children[i] : null;
        }
    }

    /** Collects patterns, then freezes them into a compact tree. Not thread-safe; build-time only. */
    static final class Builder {
        private final boolean ignoreCase;
        private final MutableNode root = new MutableNode();

        Builder(boolean ignoreCase) {
            this.ignoreCase = ignoreCase;
        }

        /** Adds a {@code path_beg} pattern (already lower-cased for an ignore-case tree). */
        Builder addPrefix(String prefix, int rule) {
            MutableNode n = descend(prefix);
            n.prefixMin = Math.min(n.prefixMin, rule);
            return this;
        }

        /** Adds a {@code path -m str} pattern (already lower-cased for an ignore-case tree). */
        Builder addExact(String path, int rule) {
            MutableNode n = descend(path);
            n.exactMin = Math.min(n.exactMin, rule);
            return this;
        }

        private MutableNode descend(String s) {
            MutableNode n = root;
            for (int i = 0; i < s.length(); i++) {
                n = n.children.computeIfAbsent(s.charAt(i), k -> new MutableNode());
            }
            return n;
        }

        PrefixTrie build() {
            return new PrefixTrie(freeze(root, new StringBuilder()), ignoreCase);
        }

        /** Freezes {@code n}, whose edge so far is {@code label}, merging branchless chains into it. */
        private static Node freeze(MutableNode n, StringBuilder label) {
            while (n.children.size() == 1 && n.prefixMin == NONE && n.exactMin == NONE && label.length() > 0) {
                Map.Entry<Character, MutableNode> only = n.children.firstEntry();
                label.append(only.getKey().charValue());
                n = only.getValue();
            }
            char[] keys = new char[n.children.size()];
            Node[] children = n.children.isEmpty() ? NO_CHILDREN : new Node[n.children.size()];
            int i = 0;
            for (Map.Entry<Character, MutableNode> e : n.children.entrySet()) {
                keys[i] = e.getKey();
                children[i] = freeze(e.getValue(), new StringBuilder().append(e.getKey().charValue()));
                i++;
            }
            return new Node(label.toString().toCharArray(), n.prefixMin, n.exactMin, keys, children);
        }
    }

    private static final class MutableNode {
        final TreeMap<Character, MutableNode> children = new TreeMap<>();
        int prefixMin = NONE;
        int exactMin = NONE;
    }
}
