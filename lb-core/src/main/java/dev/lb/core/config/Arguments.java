package dev.lb.core.config;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * Reads a directive's required arguments and reports a missing or malformed one with the
 * line, so that handlers stay one line per argument.
 */
final class Arguments {

    private final ConfigLine line;
    private final Problems problems;

    Arguments(ConfigLine line, Problems problems) {
        this.line = line;
        this.problems = problems;
    }

    /** Word {@code i}, or {@code null} after reporting that {@code what} is missing. */
    String word(int i, String what) {
        String w = line.word(i);
        if (w == null) {
            problems.error(line, "'" + line.keyword() + "' expects " + what);
        }
        return w;
    }

    /** An integer in {@code [min, max]} at word {@code i}. */
    OptionalInt integer(int i, String what, int min, int max) {
        String w = word(i, what);
        return w == null ? OptionalInt.empty() : integer(w, what, min, max);
    }

    /** {@code text} as an integer in {@code [min, max]}. */
    OptionalInt integer(String text, String what, int min, int max) {
        try {
            int v = Integer.parseInt(text);
            if (v >= min && v <= max) {
                return OptionalInt.of(v);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.error(line, "invalid " + what + " '" + text + "' (expected an integer from " + min + " to "
                + max + ")");
        return OptionalInt.empty();
    }

    /** A time value ({@link HaproxyTime}) at word {@code i}, or {@code null} after an error. */
    Duration time(int i, String what) {
        String w = word(i, what);
        return w == null ? null : time(w);
    }

    Duration time(String text) {
        try {
            return HaproxyTime.parse(text);
        } catch (IllegalArgumentException e) {
            problems.error(line, e.getMessage());
            return null;
        }
    }

    /** Reports words after the last expected one. */
    void noMoreThan(int count) {
        if (line.size() > count) {
            problems.error(line, "unexpected argument '" + line.word(count) + "' after '"
                    + String.join(" ", line.words().subList(0, count)) + "'");
        }
    }
}
