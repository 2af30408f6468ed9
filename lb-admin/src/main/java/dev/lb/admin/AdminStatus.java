package dev.lb.admin;

import java.time.Instant;
import java.util.List;

/**
 * The process-level facts the admin plane reports next to the counters.
 *
 * @param version the live table's version
 * @param sources where the live table came from (files, later discovery sources)
 * @param startedAt when the process started
 * @param lastReloadAt when the latest reload attempt finished
 * @param lastReloadErrors the {@code FILE:LINE: message} errors of that attempt; empty if it applied
 */
public record AdminStatus(long version, List<String> sources, Instant startedAt, Instant lastReloadAt,
        List<String> lastReloadErrors) {

    public AdminStatus {
        sources = List.copyOf(sources);
        lastReloadErrors = List.copyOf(lastReloadErrors);
    }
}
