package dev.lb.core.match;

/**
 * HAProxy's {@code dom} matching: the pattern must appear in the value as whole words, delimited
 * by {@code / ? . :} or the ends of the value (configuration manual, 7.1.3, "-m dom").
 */
final class DomainWord {

    private DomainWord() {
    }

    static boolean matches(String value, String pattern) {
        int from = 0;
        int to = pattern.length();
        while (from < to && isDelimiter(pattern.charAt(from))) {
            from++;
        }
        while (to > from && isDelimiter(pattern.charAt(to - 1))) {
            to--;
        }
        String word = pattern.substring(from, to);
        if (word.isEmpty()) {
            return false;
        }
        int at = value.indexOf(word);
        while (at >= 0) {
            int end = at + word.length();
            boolean startOk = at == 0 || isDelimiter(value.charAt(at - 1));
            boolean endOk = end == value.length() || isDelimiter(value.charAt(end));
            if (startOk && endOk) {
                return true;
            }
            at = value.indexOf(word, at + 1);
        }
        return false;
    }

    private static boolean isDelimiter(char c) {
        return c == '/' || c == '?' || c == '.' || c == ':';
    }
}
