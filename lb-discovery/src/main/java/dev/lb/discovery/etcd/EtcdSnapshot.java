package dev.lb.discovery.etcd;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * All keys under the source's prefix at one etcd revision, relative to the prefix
 * ({@code services/myapp/port} for {@code /haproxy-haproxy-1/services/myapp/port}), values as
 * UTF-8 text. Immutable.
 *
 * @param revision the etcd revision this content is at
 * @param keys key (relative to the prefix) to value, sorted by key
 */
public record EtcdSnapshot(long revision, SortedMap<String, String> keys) {

    public EtcdSnapshot {
        keys = Collections.unmodifiableSortedMap(new TreeMap<>(keys));
    }
}
