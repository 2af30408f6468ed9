package dev.lb.server.tcp;

import dev.lb.server.LbServer;
import dev.lb.server.testing.TestConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** Shared bits of the mode tcp tests: a config in a file, lb started on it, digests of test streams. */
public final class TcpTestSupport {

    public static final String DEFAULTS = "defaults\n    mode tcp\n    timeout connect 2s\n"
            + "    timeout client 30s\n"
            + "    timeout server 30s\n";

    private TcpTestSupport() {
    }

    public static LbServer start(Path cfg, String text, Duration drain) throws Exception {
        Files.writeString(cfg, text);
        return LbServer.start(TestConfig.isolated().withFiles(List.of(cfg))
                .withDrainTimeout(drain));
    }

    public static void rewrite(Path cfg, String text) throws IOException {
        Files.writeString(cfg, text);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }

    /** A reproducible pseudo-random stream: chunk {@code i} of the stream seeded {@code seed}. */
    static byte[] chunk(Random r, int size) {
        byte[] b = new byte[size];
        r.nextBytes(b);
        return b;
    }
}
