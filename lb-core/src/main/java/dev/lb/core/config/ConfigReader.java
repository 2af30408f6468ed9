package dev.lb.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns configuration texts into {@link Section}s. Files are read in order as one stream, as
 * {@code haproxy -f a -f b} does: a {@code defaults} in the first file applies to the second.
 * Environment directives of {@code global} take effect here, because they change how the
 * following lines are tokenized.
 */
final class ConfigReader {

    /** HAProxy 2.6's words for a file whose last line has no newline. */
    static final String MISSING_LF = "Missing LF on last line";

    private static final Set<String> ENV_DIRECTIVES = Set.of("setenv", "presetenv", "unsetenv", "resetenv");

    private final ConfigEnvironment env;
    private final Problems problems;

    ConfigReader(ConfigEnvironment env, Problems problems) {
        this.env = env;
        this.problems = problems;
    }

    List<Section> read(List<ConfigText> texts) {
        List<Section> sections = new ArrayList<>();
        for (ConfigText text : texts) {
            readFile(text, sections);
        }
        return sections;
    }

    private void readFile(ConfigText text, List<Section> sections) {
        String[] lines = text.text().split("\n", -1);
        if (!text.text().isEmpty() && !text.text().endsWith("\n")) {
            // HAProxy 2.6's words (an alert there); lb's file watcher waits for such a file to stop
            // changing before it applies it, so a file caught half-written is not served.
            int position = lines[lines.length - 1].length() + 1;
            problems.warn(text.name(), lines.length, MISSING_LF
                    + ", file might have been truncated at position " + position + ".");
        }
        TokenCache tokens = TokenCache.forRead(text.name(), lines.length);
        ConfigLine header = null;
        List<ConfigLine> body = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            List<String> words;
            try {
                words = tokens.words(i, lines[i], env);
            } catch (IllegalArgumentException e) {
                problems.error(text.name(), i + 1, e.getMessage());
                continue;
            }
            if (words.isEmpty()) {
                continue;
            }
            ConfigLine line = new ConfigLine(text.name(), i + 1, words);
            if (SectionKind.of(line.keyword()).isPresent()) {
                close(header, body, sections);
                header = line;
                body = new ArrayList<>();
            } else if (header == null) {
                // HAProxy 2.6 reads such lines as errors too: there is no section to hold them.
                problems.error(line, "unknown keyword '" + line.keyword() + "' out of section");
            } else {
                if (header.keyword().equals("global") && ENV_DIRECTIVES.contains(line.keyword())) {
                    applyEnvironment(line);
                }
                body.add(line);
            }
        }
        // A section never spans two files (HAProxy closes it at the end of each file).
        close(header, body, sections);
        tokens.publish();
    }

    private void close(ConfigLine header, List<ConfigLine> body, List<Section> sections) {
        if (header == null) {
            return;
        }
        SectionKind kind = SectionKind.of(header.keyword()).orElseThrow();
        String name = "";
        String from = "";
        int next = 1;
        if (header.size() > 1 && !header.word(1).equals("from")) {
            name = header.word(1);
            next = 2;
        }
        if ("from".equals(header.word(next))) {
            if (header.word(next + 1) == null) {
                problems.error(header, "'from' needs the name of a defaults section");
            } else {
                from = header.word(next + 1);
            }
            next += 2;
        }
        if (header.size() > next && kind != SectionKind.GLOBAL) {
            problems.error(header, "unexpected word '" + header.word(next) + "' after the "
                    + kind.keyword() + " name");
        }
        if (name.isEmpty()
                && (kind.isProxy() || kind == SectionKind.RESOLVERS || kind == SectionKind.USERLIST)) {
            problems.error(header, "'" + kind.keyword() + "' needs a name");
            name = "<unnamed>";
        }
        if ((kind.isProxy() || kind == SectionKind.DEFAULTS) && !isProxyName(name)) {
            // HAProxy's rule for proxy names (invalid_char() in tools.c): they appear in logs and stats.
            problems.error(header, "'" + kind.keyword() + "' name '" + name
                    + "' may only hold letters, digits, "
                    + "'-', '_', '.' and ':'");
        }
        sections.add(new Section(kind, name, from, header, body));
    }

    /**
     * HAProxy's rule for proxy names, {@code [A-Za-z0-9_.:-]*}, as a loop: every section of
     * every build asks, 10,000 times for 10,000 etcd services.
     */
    static boolean isProxyName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private void applyEnvironment(ConfigLine line) {
        String k = line.keyword();
        switch (k) {
            case "setenv", "presetenv" -> {
                if (line.size() != 3) {
                    problems.error(line, "'" + k + "' expects a name and a value");
                } else if (k.equals("setenv")) {
                    env.set(line.word(1), line.word(2));
                } else {
                    env.preset(line.word(1), line.word(2));
                }
            }
            case "unsetenv" -> line.from(1).forEach(env::unset);
            default -> env.keepOnly(line.from(1));
        }
    }
}
