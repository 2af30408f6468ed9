/**
 * The DNS watcher: keeps the names the routing table needs (A/AAAA, SRV) resolved with Netty's
 * resolver, caches off, re-resolving at the TTL but not below {@code hold valid}, and says when an
 * answer changed (SPEC §7).
 */
package dev.lb.discovery.dns;
