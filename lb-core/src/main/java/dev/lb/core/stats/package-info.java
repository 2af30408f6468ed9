/**
 * Traffic and check counters of frontends, backends and servers: counted by the data planes
 * without locks, read by the admin plane (CSV, Prometheus, HTML), carried across reloads by name.
 */
package dev.lb.core.stats;
