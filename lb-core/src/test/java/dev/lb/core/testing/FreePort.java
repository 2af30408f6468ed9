package dev.lb.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Finds a free TCP port on a loopback address, below the kernel's ephemeral range. A port from
 * that range (what binding port 0 gives) can be taken between this check and the test's own
 * bind by the source port of any outgoing connection, and the tests make thousands of them:
 * lb's listener then fails with "Address already in use".
 */
public final class FreePort {

    private static final int LOWEST = 10_000;
    /** Where the ephemeral range starts (Linux's ip_local_port_range; 32768 by default). */
    private static final int EPHEMERAL = ephemeralStart();
    /** Ports are handed out in turn from a random start, so one JVM never hands out one twice. */
    private static final AtomicInteger NEXT =
            new AtomicInteger(ThreadLocalRandom.current().nextInt(EPHEMERAL - LOWEST));

    private FreePort() {
    }

    public static int on(String host) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int tries = 0; tries < 1000; tries++) {
            int port = LOWEST + Math.floorMod(NEXT.getAndIncrement(), EPHEMERAL - LOWEST);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(address, port));
                return port;
            } catch (IOException taken) {
                // in use by something else: try the next one
            }
        }
        throw new IllegalStateException("no free port on " + host + " between " + LOWEST + " and " + EPHEMERAL);
    }

    private static int ephemeralStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int start = Integer.parseInt(range.split("\\s+")[0]);
            return start > LOWEST + 1000 ? start : 32768;
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
