/** The runtime API: HAProxy's stats-socket commands on a UNIX socket (and TCP when configured). */
package dev.lb.admin.runtime;
