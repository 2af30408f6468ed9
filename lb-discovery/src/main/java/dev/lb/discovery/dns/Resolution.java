package dev.lb.discovery.dns;

import dev.lb.core.dns.DnsTarget;
import io.netty.handler.codec.dns.DnsRecordType;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What one record family (A, AAAA or SRV) of a name resolved to once.
 *
 * @param targets the addresses, unsorted; empty when the name does not exist or has no such record
 * @param ttl the smallest TTL of the records, in seconds; -1 when there are none
 * @param error why no server answered ({@code targets} is then meaningless), or {@code null}
 */
record Resolution(List<DnsTarget> targets, long ttl, String error) {

    static final Resolution EMPTY = new Resolution(List.of(), -1, null);

    Resolution {
        targets = List.copyOf(targets);
    }

    static Resolution failed(String error) {
        return new Resolution(List.of(), -1, error);
    }

    boolean failed() {
        return error != null;
    }

    /**
     * A host name's records of one type (A or AAAA), trying the search-domain candidates in turn
     * until one has records. Completes on the event loop, never exceptionally.
     */
    static CompletableFuture<Resolution> hosts(ResolverSection section, String name, DnsRecordType type) {
        return hosts(section, section.candidates(name), 0, type);
    }

    private static CompletableFuture<Resolution> hosts(ResolverSection section, List<String> candidates,
            int i, DnsRecordType type) {
        return section.ask(candidates.get(i), type).thenCompose(reply -> {
            if (reply.status() == Reply.Status.FAILED) {
                return CompletableFuture.completedFuture(failed(candidates.get(i) + ": " + reply.error()));
            }
            if (!reply.addresses().isEmpty()) {
                List<DnsTarget> out = new ArrayList<>();
                for (InetAddress a : reply.addresses()) {
                    out.add(new DnsTarget(a, 0));
                }
                return CompletableFuture.completedFuture(new Resolution(out, reply.ttl(), null));
            }
            return i + 1 < candidates.size() ? hosts(section, candidates, i + 1, type)
                    : CompletableFuture.completedFuture(EMPTY);
        });
    }

    /**
     * A service name's SRV records as addresses with ports: a target's addresses come from the
     * additional section when the server sent them (Consul, dnsmasq do), else are resolved.
     */
    static CompletableFuture<Resolution> services(ResolverSection section, String name) {
        return section.ask(name, DnsRecordType.SRV).thenCompose(reply -> {
            if (reply.status() == Reply.Status.FAILED) {
                return CompletableFuture.completedFuture(failed(name + ": " + reply.error()));
            }
            List<CompletableFuture<Resolution>> parts = new ArrayList<>();
            for (Reply.Srv srv : reply.services()) {
                // RFC 2782: a target of "." means the service is decidedly not available
                if (srv.target().isEmpty()) {
                    continue;
                }
                List<InetAddress> glue = reply.glue().get(srv.target());
                if (glue != null) {
                    List<DnsTarget> out = new ArrayList<>();
                    for (InetAddress a : glue) {
                        out.add(new DnsTarget(a, srv.port()));
                    }
                    parts.add(CompletableFuture.completedFuture(new Resolution(out, -1, null)));
                } else {
                    parts.add(target(section, srv));
                }
            }
            CompletableFuture<Resolution> start =
                    CompletableFuture.completedFuture(new Resolution(List.of(), reply.ttl(), null));
            for (CompletableFuture<Resolution> part : parts) {
                start = start.thenCombine(part, Resolution::merge);
            }
            return start;
        });
    }

    /** An SRV target without glue: both families, absolute name (no search domains). */
    private static CompletableFuture<Resolution> target(ResolverSection section, Reply.Srv srv) {
        List<String> name = List.of(srv.target());
        return hosts(section, name, 0, DnsRecordType.A)
                .thenCombine(hosts(section, name, 0, DnsRecordType.AAAA), Resolution::merge)
                .thenApply(r -> {
                    List<DnsTarget> out = new ArrayList<>();
                    for (DnsTarget t : r.targets()) {
                        out.add(new DnsTarget(t.address(), srv.port()));
                    }
                    return new Resolution(out, r.ttl(), r.error());
                });
    }

    /** Both parts' targets; failed when either failed (the watcher then keeps what it had). */
    Resolution merge(Resolution other) {
        if (failed() || other.failed()) {
            return failed(failed() ? error : other.error);
        }
        List<DnsTarget> all = new ArrayList<>(targets);
        all.addAll(other.targets);
        long t = ttl < 0 ? other.ttl : other.ttl < 0 ? ttl : Math.min(ttl, other.ttl);
        return new Resolution(all, t, null);
    }
}
