package dev.lb.core.config;

import java.time.Duration;

/**
 * Time values as HAProxy reads them (configuration manual, 2.5 "Time format"): an integer
 * with an optional unit {@code us}, {@code ms}, {@code s}, {@code m}, {@code h} or {@code d};
 * no unit means milliseconds. Microseconds are rounded up to a millisecond, as HAProxy's
 * millisecond timers do.
 */
final class HaproxyTime {

    /** HAProxy refuses timers that do not fit its signed 32-bit millisecond ticks. */
    private static final long MAX_MILLIS = Integer.MAX_VALUE;

    private HaproxyTime() {
    }

    /** @throws IllegalArgumentException with a message naming the bad value */
    static Duration parse(String text) {
        int i = 0;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a time (expected a number with an "
                    + "optional unit us, ms, s, m, h or d)");
        }
        long value;
        try {
            value = Long.parseLong(text.substring(0, i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("time '" + text + "' is too large");
        }
        String unit = text.substring(i);
        long millis;
        switch (unit) {
            case "", "ms" -> millis = value;
            case "us" -> millis = (value + 999) / 1000;
            case "s" -> millis = multiply(value, 1_000, text);
            case "m" -> millis = multiply(value, 60_000, text);
            case "h" -> millis = multiply(value, 3_600_000, text);
            case "d" -> millis = multiply(value, 86_400_000, text);
            default -> throw new IllegalArgumentException("unknown time unit '" + unit + "' in '" + text
                    + "' (expected us, ms, s, m, h or d)");
        }
        if (millis > MAX_MILLIS) {
            throw new IllegalArgumentException("time '" + text + "' is too large (at most 2147483647ms)");
        }
        return Duration.ofMillis(millis);
    }

    private static long multiply(long value, long factor, String text) {
        if (value > MAX_MILLIS / factor + 1) {
            throw new IllegalArgumentException("time '" + text + "' is too large (at most 2147483647ms)");
        }
        return value * factor;
    }
}
