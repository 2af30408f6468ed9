package dev.lb.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts one configuration line into words the way HAProxy does (configuration manual, 2.2
 * "Quoting and escaping" and 2.3 "Environment variables"): words are separated by spaces
 * or tabs; {@code "..."} protects spaces, {@code '} and {@code #} and expands {@code $VAR},
 * {@code ${VAR}} and {@code ${VAR-default}}; {@code '...'} protects everything; a backslash
 * escapes one character outside single quotes; an unquoted {@code #} starts a comment.
 */
final class ConfigTokenizer {

    private ConfigTokenizer() {
    }

    /**
     * The words of {@code line}; empty for blank and comment-only lines.
     *
     * @throws IllegalArgumentException for an unmatched quote, a bad escape or variable
     */
    static List<String> tokenize(String line, ConfigEnvironment env) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
                i++;
                continue;
            }
            if (c == '\\') {
                i = escape(line, i, word);
                inWord = true;
                continue;
            }
            if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                    i++;
                } else if (c == '$') {
                    i = expand(line, i, word, env);
                } else {
                    word.append(c);
                    i++;
                }
                continue;
            }
            if (c == '#') {
                break;
            }
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
                continue;
            }
            if (c == '"' || c == '\'') {
                quote = c;
            } else {
                word.append(c);
            }
            inWord = true;
            i++;
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unmatched " + (quote == '"' ? "double" : "single")
                    + " quote");
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** Handles the backslash at {@code at}; returns the index after the escape. */
    private static int escape(String line, int at, StringBuilder word) {
        if (at + 1 >= line.length()) {
            throw new IllegalArgumentException("a backslash ends the line (lb has no line continuation)");
        }
        char e = line.charAt(at + 1);
        switch (e) {
            case 'n' -> word.append('\n');
            case 'r' -> word.append('\r');
            case 't' -> word.append('\t');
            case 'x' -> {
                String hex = line.substring(at + 2, Math.min(at + 4, line.length()));
                if (hex.length() != 2 || Character.digit(hex.charAt(0), 16) < 0
                        || Character.digit(hex.charAt(1), 16) < 0) {
                    throw new IllegalArgumentException("bad \\x escape, expected two hex digits");
                }
                word.append((char) Integer.parseInt(hex, 16));
                return at + 4;
            }
            case ' ', '\t', '#', '\\', '\'', '"', '$' -> word.append(e);
            // HAProxy leaves other pairs alone, so that "\1" reaches a regex replacement intact.
            default -> word.append('\\').append(e);
        }
        return at + 2;
    }

    /** Expands the variable starting at the {@code $} at {@code at}; returns the index after it. */
    private static int expand(String line, int at, StringBuilder word, ConfigEnvironment env) {
        int i = at + 1;
        String name;
        String fallback = null;
        if (i < line.length() && line.charAt(i) == '{') {
            int close = line.indexOf('}', i);
            if (close < 0) {
                throw new IllegalArgumentException("missing '}' after '${'");
            }
            String inner = line.substring(i + 1, close);
            if (inner.endsWith("[*]")) {
                throw new IllegalArgumentException("'${" + inner + "}' (one word per value) is not "
                        + "implemented yet");
            }
            int dash = inner.indexOf('-');
            name = dash < 0 ? inner : inner.substring(0, dash);
            fallback = dash < 0 ? null : inner.substring(dash + 1);
            i = close + 1;
        } else {
            int start = i;
            while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_')) {
                i++;
            }
            name = line.substring(start, i);
        }
        if (name.isEmpty()) {
            // A lone '$' is literal, as HAProxy leaves it.
            word.append('$');
            return at + 1;
        }
        String value = env.get(name);
        word.append(value != null ? value : fallback != null ? fallback : "");
        return i;
    }
}
