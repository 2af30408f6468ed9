package dev.lb.core.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The words of each line of a text's previous read, so that reading it again after a small
 * change (one etcd service in 10,000) tokenizes only the lines that changed. Only lines without
 * {@code $} are kept: no other line depends on the environment, so their words are a function
 * of the line's text alone. Each read replaces its text's entry whole, which bounds the memory
 * to the lines of the last read per text name; compiles on several threads at once only lose
 * hits, as an entry is never changed once published.
 */
final class TokenCache {

    /** Past this many text names the cache starts over: temporary files must not pile up. */
    private static final int MAX_TEXTS = 64;
    /** Short texts tokenize fast enough; caching them would only hold memory. */
    private static final int MIN_LINES = 256;

    private static final Map<String, Map<String, List<String>>> LAST = new ConcurrentHashMap<>();

    private final Map<String, List<String>> previous;
    private final Map<String, List<String>> next;
    private final String name;

    private TokenCache(String name, Map<String, List<String>> previous, Map<String, List<String>> next) {
        this.name = name;
        this.previous = previous;
        this.next = next;
    }

    /** The cache for one read of the text named {@code name}, which has {@code lines} lines. */
    static TokenCache forRead(String name, int lines) {
        if (lines < MIN_LINES) {
            return new TokenCache(name, Map.of(), null);
        }
        return new TokenCache(name, LAST.getOrDefault(name, Map.of()), new HashMap<>(lines * 2));
    }

    /**
     * The words of {@code line}, tokenized now or taken from the previous read.
     *
     * @throws IllegalArgumentException as {@link ConfigTokenizer#tokenize}
     */
    List<String> words(String line, ConfigEnvironment env) {
        List<String> words = previous.get(line);
        if (words == null) {
            words = List.copyOf(ConfigTokenizer.tokenize(line, env));
            if (line.indexOf('$') >= 0) {
                return words;
            }
        }
        if (next != null) {
            next.put(line, words);
        }
        return words;
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
