/**
 * Where the routing table's inputs meet: {@link dev.lb.discovery.SourcePipeline} compiles the
 * haproxy.cfg files, the parts discovery sources render (etcd now, Consul next) and the DNS
 * answers their servers need into one table, and publishes it only when it is valid.
 */
package dev.lb.discovery;
