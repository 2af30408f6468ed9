package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** HAProxy's word splitting (configuration manual, 2.2 and 2.3), one line at a time. */
class ConfigTokenizerTest {

    private static final ConfigEnvironment ENV = new ConfigEnvironment(Map.of("PORT", "8080", "EMPTY", ""));

    static List<Arguments> lines() {
        return List.of(
                Arguments.of("", List.of()),
                Arguments.of("   # only a comment", List.of()),
                Arguments.of("bind :80", List.of("bind", ":80")),
                Arguments.of("\tbind\t:80  # why", List.of("bind", ":80")),
                Arguments.of("acl a path /a#b", List.of("acl", "a", "path", "/a")),
                Arguments.of("acl a path /a\\#b", List.of("acl", "a", "path", "/a#b")),
                Arguments.of("x \"a b\" 'c d' e\\ f", List.of("x", "a b", "c d", "e f")),
                Arguments.of("x \"a\"'b'c", List.of("x", "abc")),
                Arguments.of("x \"\"", List.of("x", "")),
                Arguments.of("x \"$PORT\" '$PORT' $PORT", List.of("x", "8080", "$PORT", "$PORT")),
                Arguments.of("x \"${PORT}0\" \"${NOPE-dflt}\" \"${NOPE}\"", List.of("x", "80800", "dflt", "")),
                Arguments.of("x \"${EMPTY-dflt}\"", List.of("x", "")),
                Arguments.of("x \"a\\$b\" \"c\\\"d\"", List.of("x", "a$b", "c\"d")),
                Arguments.of("x \\x41 \\t \\\\ \\1", List.of("x", "A", "\t", "\\", "\\1")),
                Arguments.of("x 'a\\b'", List.of("x", "a\\b")),
                Arguments.of("x \"#\" '#'", List.of("x", "#", "#")),
                Arguments.of("bind :80\r", List.of("bind", ":80")));
    }

    @ParameterizedTest
    @MethodSource("lines")
    void splitsLikeHaproxy(String line, List<String> words) {
        assertEquals(words, ConfigTokenizer.tokenize(line, ENV), "words of <" + line + ">");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x \"open", "x 'open", "x \\", "x \\xZZ", "x \"${OPEN\"", "x \"${LIST[*]}\""})
    void refusesMalformedLines(String line) {
        assertThrows(IllegalArgumentException.class, () -> ConfigTokenizer.tokenize(line, ENV), line);
    }
}
