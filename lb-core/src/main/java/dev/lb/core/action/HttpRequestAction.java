package dev.lb.core.action;

import dev.lb.core.match.Condition;
import java.util.regex.Pattern;

/**
 * An {@code http-request} rule (configuration manual, 4.2 "http-request"). Frontend rules run
 * before backend selection, backend rules after, each list in order, as in HAProxy.
 */
public sealed interface HttpRequestAction {

    /** When the rule applies ({@link Condition.Always#TRUE} without {@code if}/{@code unless}). */
    Condition condition();

    String describe();

    /** {@code set-header NAME FMT}: replaces every header of that name. */
    record SetHeader(String name, LogFormat value, Condition condition) implements HttpRequestAction {
        @Override
        public String describe() {
            return "set-header " + name + " " + value.describe() + " if " + condition.describe();
        }
    }

    /** {@code add-header NAME FMT}: appends a header line. */
    record AddHeader(String name, LogFormat value, Condition condition) implements HttpRequestAction {
        @Override
        public String describe() {
            return "add-header " + name + " " + value.describe() + " if " + condition.describe();
        }
    }

    /** {@code del-header NAME}. */
    record DelHeader(String name, Condition condition) implements HttpRequestAction {
        @Override
        public String describe() {
            return "del-header " + name + " if " + condition.describe();
        }
    }

    /** {@code replace-path REGEX REPLACEMENT}: rewrites the path, keeping the query string. */
    record ReplacePath(Pattern regex, String replacement, Condition condition) implements HttpRequestAction {
        @Override
        public String describe() {
            return "replace-path " + regex.pattern() + " " + replacement + " if " + condition.describe();
        }
    }

    /** {@code deny [deny_status N]}: answers N (403 by default) and forwards nothing. */
    record Deny(int status, Condition condition) implements HttpRequestAction {
        @Override
        public String describe() {
            return "deny " + status + " if " + condition.describe();
        }
    }
}
