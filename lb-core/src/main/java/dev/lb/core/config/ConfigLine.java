package dev.lb.core.config;

import java.util.List;

/**
 * One non-empty configuration line after tokenizing: its words with quotes and escapes
 * resolved, and where it came from.
 *
 * @param file the file name as given
 * @param number 1-based line number
 * @param words the words, never empty
 */
record ConfigLine(String file, int number, List<String> words) {

    ConfigLine {
        words = List.copyOf(words);
    }

    /** The first word: the directive or section keyword. */
    String keyword() {
        return words.get(0);
    }

    /** Word {@code i}, or {@code null} past the end. */
    String word(int i) {
        return i < words.size() ? words.get(i) : null;
    }

    int size() {
        return words.size();
    }

    /** Words from {@code from} to the end. */
    List<String> from(int from) {
        return from >= words.size() ? List.of() : words.subList(from, words.size());
    }

    /** {@code file:line}, the form locations take in the table and in messages. */
    String location() {
        return file + ":" + number;
    }
}
