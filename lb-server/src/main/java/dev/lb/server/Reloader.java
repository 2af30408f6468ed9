package dev.lb.server;

import dev.lb.core.config.ConfigException;
import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.config.LoadResult;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.TableRef;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the configuration files into a published table: read, compile, validate, publish. A
 * failure at any step leaves the current table serving and is reported; reading the same text
 * again publishes nothing (fabio's "skip when unchanged").
 */
final class Reloader {

    private static final System.Logger LOG = System.getLogger("lb.reload");

    /** What one reload did. */
    record Outcome(boolean applied, boolean unchanged, long version, List<ConfigProblem> errors,
            List<ConfigProblem> warnings) {
    }

    private final ConfigFiles files;
    private final TableRef tables;
    private List<ConfigText> lastApplied = List.of();
    private List<ConfigText> lastRejected = List.of();
    private volatile Outcome last;
    private volatile java.time.Instant lastAt = java.time.Instant.now();

    Reloader(ConfigFiles files, TableRef tables) {
        this.files = files;
        this.tables = tables;
    }

    /** Reads the files and, if they make a valid table that differs from the current one, publishes it. */
    synchronized Outcome reload(String cause) {
        return reload(cause, true);
    }

    /**
     * As {@link #reload(String)}, but text that was already rejected is not compiled and reported
     * again: the file watcher calls this on every change in the files' directories.
     */
    synchronized Outcome reloadIfChanged(String cause) {
        return reload(cause, false);
    }

    private Outcome reload(String cause, boolean reportAgain) {
        List<ConfigProblem> problems = new ArrayList<>();
        List<ConfigText> texts = files.read(problems);
        Outcome outcome;
        if (!problems.isEmpty()) {
            outcome = new Outcome(false, false, tables.get().version(), problems, List.of());
        } else if (texts.equals(lastApplied) || (!reportAgain && texts.equals(lastRejected))) {
            outcome = new Outcome(false, true, tables.get().version(), List.of(), List.of());
        } else {
            outcome = compileAndPublish(texts);
            lastRejected = outcome.applied() ? List.of() : List.copyOf(texts);
        }
        report(cause, outcome);
        last = outcome;
        lastAt = java.time.Instant.now();
        return outcome;
    }

    /** The outcome of the latest reload, for the admin plane; {@code null} before the first. */
    Outcome last() {
        return last;
    }

    /** When the latest reload finished. */
    java.time.Instant lastAt() {
        return lastAt;
    }

    private Outcome compileAndPublish(List<ConfigText> texts) {
        LoadResult loaded;
        try {
            loaded = validate(texts, tables.get());
        } catch (ConfigException e) {
            return new Outcome(false, false, tables.get().version(), e.problems(), List.of());
        }
        RoutingTable published = tables.publish(loaded.table());
        lastApplied = List.copyOf(texts);
        return new Outcome(true, false, published.version(), List.of(), loaded.warnings());
    }

    /**
     * Compiles {@code texts} as the successor of {@code previous} and checks what a serving
     * process needs on top of that: what {@code lb -c} and every reload accept.
     */
    static LoadResult validate(List<ConfigText> texts, RoutingTable previous) throws ConfigException {
        LoadResult loaded = HaproxyConfigLoader.compile(texts, previous);
        if (loaded.table().frontends().isEmpty()) {
            // HAProxy refuses such a file too ("no <listen> line. Nothing to do!"); for lb it also
            // guards against a truncated or empty file removing every listener.
            String file = texts.get(texts.size() - 1).name();
            throw new ConfigException(List.of(
                    new ConfigProblem(file, 0, "no frontend or listen section: nothing to serve")));
        }
        return loaded;
    }

    private static void report(String cause, Outcome o) {
        if (o.applied()) {
            for (ConfigProblem w : o.warnings()) {
                LOG.log(System.Logger.Level.WARNING, w.format());
            }
            LOG.log(System.Logger.Level.INFO,
                    "configuration applied (" + cause + "): table version " + o.version());
        } else if (!o.errors().isEmpty()) {
            StringBuilder sb = new StringBuilder("configuration rejected (" + cause
                    + "), still serving table version "
                    + o.version() + ":");
            for (ConfigProblem p : o.errors()) {
                sb.append("\n  ").append(p.format());
            }
            LOG.log(System.Logger.Level.ERROR, sb.toString());
        }
    }
}
