/**
 * The etcd v3 discovery source: the keys under {@code /haproxy-<id>/}, read once and then
 * watched, delivered as whole {@link dev.lb.discovery.etcd.EtcdSnapshot}s.
 */
package dev.lb.discovery.etcd;
