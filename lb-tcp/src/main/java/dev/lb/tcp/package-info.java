/**
 * The {@code mode tcp} data plane: one server per accepted connection, bytes relayed both ways
 * with backpressure, half-close, PROXY protocol both ways, and SNI routing of TLS passthrough.
 */
package dev.lb.tcp;
