package dev.lb.core.dns;

import java.util.List;

/**
 * What a name resolves to now, in a stable order (by address, then port), so that the same
 * records always make the same servers.
 *
 * @param targets the addresses; empty when the name does not exist (NXDOMAIN) or has no record
 */
public record DnsAnswer(List<DnsTarget> targets) {

    public DnsAnswer {
        targets = List.copyOf(targets);
    }
}
