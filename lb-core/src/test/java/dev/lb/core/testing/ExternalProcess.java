package dev.lb.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Debian tool started by a test (haproxy, the exporter), its output in a log file, stopped on close. */
public final class ExternalProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final String name;

    private ExternalProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    public static ExternalProcess start(Path dir, List<String> command) {
        String name = Path.of(command.get(0)).getFileName().toString();
        Path log = dir.resolve(name + ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            return new ExternalProcess(name, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " (is its Debian package installed?"
                    + " bin/test installs it)", e);
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** What the process printed so far, for failure messages. */
    public String log() {
        try {
            return name + " log: " + Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
