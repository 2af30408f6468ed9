package dev.lb.core.config;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lines of a text's previous read with their words, so that reading it again after a small
 * change (one etcd service in 10,000) tokenizes only the lines that changed. A line's words are
 * reused only when its text equals a line of the previous read that has no {@code $}: no other
 * line depends on the environment, so their words are a function of the line's text alone.
 * Lines are matched by walking both reads in step (a hash lookup per line costs more than
 * tokenizing most lines): an inserted, removed or changed line is found again within a few
 * lines either way, and whatever is not matched is tokenized. Each read replaces its text's
 * entry whole, which bounds the memory to the last read per text name; compiles on several
 * threads at once only lose hits, as an entry is never changed once published.
 */
final class TokenCache {

    /** Past this many text names the cache starts over: temporary files must not pile up. */
    private static final int MAX_TEXTS = 64;
    /** Short texts tokenize fast enough; caching them would only hold memory. */
    private static final int MIN_LINES = 256;
    /** How far from the expected position a line of the previous read is looked for. */
    private static final int WINDOW = 8;

    /** One read: its lines and their words, null where they cannot be reused. */
    private record Read(String[] lines, List<String>[] words) {
    }

    private static final Map<String, Read> LAST = new ConcurrentHashMap<>();
    private static final Read NONE = read(0);

    private final String name;
    private final Read previous;
    private final Read next;
    /** Where in {@link #previous} the next line is expected. */
    private int expected;

    private TokenCache(String name, Read previous, Read next) {
        this.name = name;
        this.previous = previous;
        this.next = next;
    }

    @SuppressWarnings("unchecked")
    private static Read read(int lines) {
        return new Read(new String[lines], (List<String>[]) new List<?>[lines]);
    }

    /** The cache for one read of the text named {@code name}, which has {@code lines} lines. */
    static TokenCache forRead(String name, int lines) {
        if (lines < MIN_LINES) {
            return new TokenCache(name, NONE, null);
        }
        return new TokenCache(name, LAST.getOrDefault(name, NONE), read(lines));
    }

    /**
     * The words of line {@code index} (0-based; every line is asked for, in order), tokenized
     * now or taken from the previous read.
     *
     * @throws IllegalArgumentException as {@link ConfigTokenizer#tokenize}
     */
    List<String> words(int index, String line, ConfigEnvironment env) {
        if (next != null) {
            next.lines[index] = line;
        }
        int at = find(line);
        List<String> words = null;
        if (at >= 0) {
            expected = at + 1;
            words = previous.words[at];
        }
        if (words != null) {
            if (next != null) {
                next.words[index] = words;
            }
            return words;
        }
        words = List.copyOf(ConfigTokenizer.tokenize(line, env));
        if (next != null && line.indexOf('$') < 0) {
            next.words[index] = words;
        }
        return words;
    }

    /** The index of {@code line} in the previous read near where it is expected, or -1. */
    private int find(String line) {
        String[] old = previous.lines;
        if (expected < old.length && line.equals(old[expected])) {
            return expected;
        }
        for (int d = 1; d <= WINDOW; d++) {
            if (expected + d < old.length && line.equals(old[expected + d])) {
                return expected + d;
            }
            if (expected - d >= 0 && expected - d < old.length && line.equals(old[expected - d])) {
                return expected - d;
            }
        }
        return -1;
    }

    /** Keeps this read's lines for the next read of the same text. */
    void publish() {
        if (next == null) {
            return;
        }
        if (LAST.size() >= MAX_TEXTS && !LAST.containsKey(name)) {
            LAST.clear();
        }
        LAST.put(name, next);
    }
}
