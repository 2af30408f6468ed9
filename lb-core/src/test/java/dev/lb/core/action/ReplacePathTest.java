package dev.lb.core.action;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.match.Condition;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReplacePathTest {

    private static String apply(String regex, String replacement, String path) {
        return new HttpRequestAction.ReplacePath(Pattern.compile(regex), replacement, Condition.Always.TRUE)
                .apply(path);
    }

    @Test
    void stripsAPrefixWithABackReference() {
        // The HAProxy manual's example for removing a prefix.
        assertEquals("/users/3", apply("/api/(.*)", "/\\1", "/api/users/3"));
    }

    @Test
    void addsAPrefix() {
        assertEquals("/foo/bar", apply("(.*)", "/foo\\1", "/bar"));
    }

    @Test
    void leavesANonMatchingPathAlone() {
        assertEquals("/other", apply("/api/(.*)", "/\\1", "/other"));
    }

    @Test
    void replacesTheWholePathNotOnlyTheMatch() {
        assertEquals("/y", apply("/foo/(.*)", "/\\1", "/x/foo/y"));
    }

    @Test
    void missingGroupIsEmptyAndDollarIsLiteral() {
        assertEquals("/a$", apply("/(a)(b)?", "/\\1\\2$", "/a"));
    }
}
