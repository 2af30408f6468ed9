/**
 * Discovery sources (etcd, Consul, DNS) that each produce a part of the routing table. Empty
 * until they land.
 */
package dev.lb.discovery;
