/** The {@code mode tcp} data plane. Empty until it lands; the parser rejects {@code mode tcp} meanwhile. */
package dev.lb.tcp;
