package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Random;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading a text again after a change gives what reading it for the first time gives: the words
 * kept from the previous read only stand in for lines that cannot read differently.
 */
class TokenCacheTest {

    /** A text long enough to be cached, with one environment-dependent line and one bad line. */
    private static String text(String port, String server) {
        StringBuilder sb = new StringBuilder();
        sb.append("global\n    setenv P ").append(port).append('\n');
        sb.append("frontend f\n    bind \"127.0.0.1:$P\"\n    acl x path 'a b'\\ c # comment\n");
        sb.append("    use_backend \"b1\" if { path_beg \"/open }\n");
        for (int i = 0; i < 300; i++) {
            sb.append("backend b").append(i).append("\n    server s 10.0.0.").append(i % 250).append(":80\n");
        }
        sb.append("backend last\n    server ").append(server).append(" 10.0.1.1:80\n");
        return sb.toString();
    }

    private static String read(String name, String text) {
        Problems problems = new Problems();
        List<Section> sections = new ConfigReader(new ConfigEnvironment(Map.of()), problems)
                .read(List.of(new ConfigText(name, text)));
        return sections.stream()
                .map(s -> s.header().number() + " " + s.header().words() + " " + s.body().stream()
                        .map(l -> l.number() + " " + l.words()).collect(Collectors.joining(", ")))
                .collect(Collectors.joining("\n"))
                + "\nerrors: " + problems.errors().stream().map(ConfigProblem::format).toList();
    }

    private static List<Section> sections(String name, String text) {
        return new ConfigReader(new ConfigEnvironment(Map.of()), new Problems())
                .read(List.of(new ConfigText(name, text)));
    }

    /** Lines inserted, removed and changed at random, among many repeated lines, read again each time. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void randomEditsReadAsIfReadForTheFirstTime(long seed) {
        Random random = new Random(seed);
        String[] pool = {"    balance roundrobin", "    server 1 127.0.0.41:80", "", "# c", "    mode http",
            "    bind \"127.0.0.1:$P\"", "    acl a path 'x y'", "    bad \"open", "    setenv P 1",
            "    setenv P 2"};
        List<String> lines = new ArrayList<>();
        lines.add("global");
        lines.add("    setenv P 0");
        for (int i = 0; i < 400; i++) {
            lines.add(random.nextInt(3) == 0 ? "backend b" + i : pool[random.nextInt(pool.length)]);
        }
        String name = "random-" + seed + "-" + System.nanoTime() + ".cfg";
        int reused = 0;
        List<Section> before = sections(name, String.join("\n", lines));
        for (int step = 0; step < 60; step++) {
            for (int e = random.nextInt(4); e >= 0; e--) {
                int at = 2 + random.nextInt(lines.size() - 2);
                String l = random.nextBoolean() ? "backend n" + step + "x" + e
                        : pool[random.nextInt(pool.length)];
                switch (random.nextInt(3)) {
                    case 0 -> lines.add(at, l);
                    case 1 -> lines.remove(at);
                    default -> lines.set(at, l);
                }
            }
            String text = String.join("\n", lines);
            List<Section> again = sections(name, text);
            String cold = "cold-" + step + "-" + name;
            assertEquals(dump(sections(cold, text)).replace(cold, name), dump(again), "seed " + seed
                    + " step " + step);
            for (int s = 0; s < Math.min(before.size(), again.size()); s++) {
                if (before.get(s).header().equals(again.get(s).header())) {
                    reused += before.get(s).header().words() == again.get(s).header().words() ? 1 : 0;
                }
            }
            before = again;
        }
        assertTrue(reused > 1000, "unchanged lines take the words of the previous read: " + reused);
    }

    private static String dump(List<Section> sections) {
        return sections.stream().map(s -> s.header() + " " + s.body()).collect(Collectors.joining("\n"));
    }

    @Test
    void aChangedTextReadsAsIfReadForTheFirstTime() {
        String name = "cache-" + System.nanoTime() + ".cfg";
        String first = read(name, text("8080", "one"));
        assertEquals(read(name + "-cold", text("8080", "one")).replace(name + "-cold", name), first,
                "a first read is a plain read");
        String again = read(name, text("9090", "two"));
        String cold = read(name + "-cold2", text("9090", "two")).replace(name + "-cold2", name);
        assertEquals(cold, again, "the second read of a changed text");
        assertEquals(true, again.contains("[bind, 127.0.0.1:9090]"),
                "the line reading $P follows the new setenv: " + again.lines().limit(3).toList());
        assertEquals(true, again.contains("[server, two, 10.0.1.1:80]"), "the changed line: " + again);
        assertEquals(true, again.contains(name + ":6: unmatched double quote"),
                "a bad line is reported on every read: " + again.substring(again.indexOf("errors:")));
    }
}
