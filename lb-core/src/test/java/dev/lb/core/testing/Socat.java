package dev.lb.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Debian's {@code socat}, talking to a runtime API socket the way operators' scripts do. */
public final class Socat {

    /**
     * {@code echo COMMAND | socat stdio UNIX-CONNECT:SOCKET}; the answer without the empty line
     * that ends it (which HAProxy's CLI, and lb's, always send).
     */
    public static String ask(Path socket, String command) throws Exception {
        Process p = new ProcessBuilder("socat", "-t", "5", "stdio", "UNIX-CONNECT:" + socket)
                .redirectErrorStream(true).start();
        p.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "socat did not finish");
        assertEquals(0, p.exitValue(), "socat failed: " + out);
        assertTrue(out.endsWith("\n"), "HAProxy ends each answer with an empty line: '" + out + "'");
        return out.substring(0, out.length() - 1);
    }

    private Socat() {
    }
}
