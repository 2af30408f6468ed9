package dev.lb.discovery;

import java.time.Instant;

/**
 * How a discovery source is doing, for the admin plane and the log.
 *
 * @param name what the source is, e.g. {@code etcd http://127.0.0.1:2379 /haproxy-haproxy-1}
 * @param connected whether its last read or watch succeeded
 * @param revision the etcd revision or Consul index of the data it last produced (0 before any)
 * @param lastError the latest error, or {@code null} when the latest attempt succeeded
 * @param lastChange when the source last produced new data, or {@code null}
 */
public record SourceState(String name, boolean connected, long revision, String lastError,
        Instant lastChange) {
}
