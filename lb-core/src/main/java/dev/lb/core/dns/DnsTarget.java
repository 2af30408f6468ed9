package dev.lb.core.dns;

import java.net.InetAddress;

/**
 * One address of an answer.
 *
 * @param address where to connect
 * @param port the SRV record's port, 0 for an A or AAAA record (the configuration gives the port)
 */
public record DnsTarget(InetAddress address, int port) {
}
