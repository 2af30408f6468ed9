package dev.lb.discovery.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * One DNS question's outcome, decoded off Netty's reference-counted response.
 *
 * @param status whether a server answered, and how
 * @param addresses the A or AAAA records of the answer section
 * @param services the SRV records of the answer section
 * @param glue the A/AAAA records of the additional section by owner name (SRV targets' addresses)
 * @param ttl the smallest TTL of the records above, in seconds; -1 when there are none
 * @param error what went wrong when {@code status} is {@link Status#FAILED}
 */
record Reply(Status status, List<InetAddress> addresses, List<Srv> services,
        Map<String, List<InetAddress>> glue, long ttl, String error) {

    /** How the question ended. */
    enum Status {
        /** NOERROR: the records are the answer (maybe none: NODATA). */
        ANSWER,
        /** NXDOMAIN: the name does not exist. */
        NO_NAME,
        /** No server gave an authoritative answer: timeout, SERVFAIL, REFUSED, ... */
        FAILED
    }

    /** One SRV record (RFC 2782): priority and weight are read but not used yet. */
    record Srv(int priority, int weight, int port, String target) {
    }

    static Reply failed(String error) {
        return new Reply(Status.FAILED, List.of(), List.of(), Map.of(), -1, error);
    }

    boolean empty() {
        return addresses.isEmpty() && services.isEmpty();
    }
}
