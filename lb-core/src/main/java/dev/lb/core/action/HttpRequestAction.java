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

    /**
     * {@code replace-path REGEX REPLACEMENT}: rewrites the path, keeping the query string. As in
     * HAProxy, when the (unanchored) regex matches, the whole path becomes the replacement, in which
     * {@code \N} stands for group N.
     */
    record ReplacePath(Pattern regex, String replacement, Condition condition) implements HttpRequestAction {

        /** The rewritten path, or {@code path} itself when the regex does not match. */
        public String apply(String path) {
            java.util.regex.Matcher m = regex.matcher(path);
            if (!m.find()) {
                return path;
            }
            StringBuilder out = new StringBuilder(replacement.length() + 16);
            for (int i = 0; i < replacement.length(); i++) {
                char c = replacement.charAt(i);
                if (c == '\\' && i + 1 < replacement.length()) {
                    char next = replacement.charAt(i + 1);
                    if (next >= '0' && next <= '9') {
                        int g = next - '0';
                        if (g <= m.groupCount() && m.group(g) != null) {
                            out.append(m.group(g));
                        }
                        i++;
                        continue;
                    }
                    if (next == '\\') {
                        out.append('\\');
                        i++;
                        continue;
                    }
                }
                out.append(c);
            }
            return out.toString();
        }

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

    /**
     * {@code auth [realm R]}: answers 401 with {@code WWW-Authenticate: Basic realm="R"} and forwards
     * nothing (manual, "http-request auth"). The realm defaults to the proxy's name, as in HAProxy.
     */
    record Auth(String realm, Condition condition) implements HttpRequestAction {
        @Override
        public String describe() {
            return "auth realm \"" + realm + "\" if " + condition.describe();
        }
    }
}
