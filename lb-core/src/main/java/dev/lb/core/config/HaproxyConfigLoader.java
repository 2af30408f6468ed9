package dev.lb.core.config;

import dev.lb.core.dns.DnsLookup;
import dev.lb.core.table.RoutingTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads haproxy.cfg files and builds a {@link dev.lb.core.table.RoutingTable} from them.
 * Several files are read as one, in order, as {@code haproxy -f a -f b} does. Host names on
 * {@code server} and {@code bind} lines are resolved here, once; double-quoted words expand
 * environment variables, as in HAProxy. Errors carry {@code file:line} and are all reported
 * together in the {@link ConfigException}; warnings come back in the {@link LoadResult}.
 */
public final class HaproxyConfigLoader {

    private HaproxyConfigLoader() {
    }

    /** Reads and compiles the files; the table has version 0 (publishing numbers it). */
    public static LoadResult load(List<Path> files) throws ConfigException {
        List<ConfigText> texts = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        for (Path f : files) {
            try {
                texts.add(new ConfigText(f.toString(), Files.readString(f, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                problems.add(new ConfigProblem(f.toString(), 0, "cannot read: " + e));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return compile(texts);
    }

    /** Compiles configuration texts (what {@link #load} does after reading). */
    public static LoadResult compile(List<ConfigText> texts) throws ConfigException {
        return compile(texts, RoutingTable.EMPTY);
    }

    /**
     * Compiles configuration texts as the successor of {@code previous}: a server that is still
     * there (same backend, name and address) keeps its run-time state, so a reload does not
     * forget its active connections or a recent failure.
     */
    public static LoadResult compile(List<ConfigText> texts, RoutingTable previous) throws ConfigException {
        return compile(texts, previous, DnsLookup.NONE);
    }

    /**
     * As {@link #compile(List, RoutingTable)}, with the DNS answers known now: servers with
     * {@code resolvers} and {@code server-template} slots take their addresses from {@code dns},
     * and the result lists every name they asked for, so that the caller keeps them resolved
     * and compiles again when an answer changes.
     */
    public static LoadResult compile(List<ConfigText> texts, RoutingTable previous, DnsLookup dns)
            throws ConfigException {
        return new TableCompiler(HostResolver.SYSTEM, System.getenv(), dns).compile(texts, previous);
    }
}
