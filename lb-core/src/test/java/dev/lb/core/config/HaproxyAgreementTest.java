package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every golden config that lb accepts is also accepted by Debian's HAProxy ({@code haproxy -c}),
 * so the goldens cannot drift into a dialect only lb reads. Skipped where haproxy is absent;
 * configs naming the test resolver's fake hosts are left out (haproxy would resolve them). HAProxy
 * 1.x {@code req*} lines, which 2.6 rejects, are checked as the http-request lines lb says it
 * applies instead.
 */
class HaproxyAgreementTest {

    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");

    @TestFactory
    Stream<DynamicTest> configsLbAcceptsAreValidForHaproxy() throws IOException {
        assumeTrue(Files.isExecutable(HAPROXY), "haproxy is not installed");
        List<Path> configs;
        try (Stream<Path> files = Files.list(GOLDEN)) {
            configs = files.filter(p -> p.toString().endsWith(".cfg")).sorted().toList();
        }
        return configs.stream().filter(HaproxyAgreementTest::lbAccepts).map(cfg ->
                DynamicTest.dynamicTest(cfg.getFileName().toString(), () -> {
                    Path checked = modernized(cfg);
                    ProcessBuilder pb = new ProcessBuilder(HAPROXY.toString(), "-c", "-q", "-f",
                            checked.toString())
                            .redirectErrorStream(true);
                    pb.environment().putAll(TestCompiler.ENV);
                    Process p = pb.start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    p.waitFor(30, TimeUnit.SECONDS);
                    assertEquals(0, p.exitValue(), "haproxy -c rejects " + checked + " which lb accepts:\n"
                            + out);
                }));
    }

    /** The file with each translated legacy line replaced by its translation from lb's warning. */
    private static Path modernized(Path cfg) throws IOException {
        String text = Files.readString(cfg, StandardCharsets.UTF_8);
        String name = cfg.getFileName().toString();
        List<String> lines = new java.util.ArrayList<>(text.lines().toList());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^warning: " + java.util.regex.Pattern
                .quote(name) + ":(\\d+): .* is HAProxy 1\\.x syntax; lb applies it as '(.*)'$")
                .matcher(TestCompiler.render(name, text));
        boolean any = false;
        while (m.find()) {
            lines.set(Integer.parseInt(m.group(1)) - 1, "    " + m.group(2));
            any = true;
        }
        if (!any) {
            return cfg;
        }
        Path out = Files.createTempFile("modern-", "-" + name);
        out.toFile().deleteOnExit();
        Files.writeString(out, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return out;
    }

    private static boolean lbAccepts(Path cfg) {
        try {
            String text = Files.readString(cfg, StandardCharsets.UTF_8);
            boolean fakeHosts = TestCompiler.HOSTS.keySet().stream()
                    .anyMatch(h -> !h.equals("localhost") && text.contains(h));
            return !fakeHosts && !TestCompiler.render(cfg.getFileName().toString(), text).contains("error: ");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
