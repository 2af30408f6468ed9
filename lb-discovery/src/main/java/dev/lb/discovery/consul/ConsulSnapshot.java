package dev.lb.discovery.consul;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the Consul source last read, as one immutable value: the catalog's services (those that
 * pass {@code lb.consul.tag}) with their passing instances, and the KV tuning keys.
 *
 * @param index the highest {@code X-Consul-Index} of the reads it was built from
 * @param services by service name
 * @param kv the keys under {@code service/haproxy/}, relative to it (e.g. {@code timeouts/connect}),
 *     with their decoded values
 */
public record ConsulSnapshot(long index, SortedMap<String, Service> services, SortedMap<String, String> kv) {

    public ConsulSnapshot {
        services = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(services));
        kv = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(kv));
    }

    /**
     * One catalog service.
     *
     * @param name the service name
     * @param tags the tags the catalog lists for it (the union over its instances, as
     *     {@code /v1/catalog/services} gives them), in the catalog's order
     * @param passing its instances whose checks all pass ({@code /v1/health/service/<name>?passing}),
     *     sorted by node then id
     */
    public record Service(String name, List<String> tags, List<Instance> passing) {
        public Service {
            tags = List.copyOf(tags);
            passing = List.copyOf(passing);
        }
    }

    /**
     * One passing instance.
     *
     * @param id the service id ({@code ServiceID}; registrator's {@code host:container:port})
     * @param node the node name
     * @param address {@code ServiceAddress}, or the node's {@code Address} when that is empty
     * @param port {@code ServicePort}
     * @param tags the instance's own tags ({@code ServiceTags})
     */
    public record Instance(String id, String node, String address, int port, List<String> tags) {
        public Instance {
            tags = List.copyOf(tags);
        }
    }
}
