package dev.lb.server.testing;

import dev.lb.http.RawHttpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The clock of the propagation tests: a change flips a service between the backends "one" and
 * "two"; the time runs from the change returning to the first request, on a keep-alive
 * connection polled without pause, that the new backend answers.
 */
public final class Propagation {

    /** Makes change {@code i}: to "two" when {@code toTwo}, else back to "one"; returns once it is written. */
    @FunctionalInterface
    public interface Change {
        void apply(int i, boolean toTwo) throws Exception;
    }

    private Propagation() {
    }

    /** Runs {@code changes} changes; returns each one's delay in microseconds, sorted. */
    public static List<Long> measure(int changes, RawHttpClient client, String host, Change change)
            throws Exception {
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < changes; i++) {
            boolean toTwo = i % 2 == 0;
            change.apply(i, toTwo);
            long returned = System.nanoTime();
            String want = toTwo ? "two" : "one";
            long deadline = returned + Duration.ofSeconds(10).toNanos();
            while (!want.equals(backend(client, host))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("change " + i + " did not reach routing in 10 s");
                }
            }
            micros.add((System.nanoTime() - returned) / 1000);
        }
        Collections.sort(micros);
        return micros;
    }

    /** Prints the percentiles as {@code what -> routed: ...} and writes them to {@code target/<file>}. */
    public static String report(String what, int services, List<Long> sorted, String file) throws IOException {
        String line = String.format("%s -> routed: %d services, %d changes, p50 %.1f ms, p90 %.1f ms, "
                + "p99 %.1f ms, max %.1f ms", what, services, sorted.size(), at(sorted, 0.50), at(sorted, 0.90),
                at(sorted, 0.99), sorted.get(sorted.size() - 1) / 1000.0);
        System.out.println(line);
        Files.writeString(Path.of("target", file), line + "\n");
        return line;
    }

    private static String backend(RawHttpClient client, String host) throws IOException {
        RawHttpClient.Response r = client.get("/", host);
        String b = r.header("X-Backend");
        return b != null ? b : String.valueOf(r.status());
    }

    private static double at(List<Long> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1000.0;
    }
}
