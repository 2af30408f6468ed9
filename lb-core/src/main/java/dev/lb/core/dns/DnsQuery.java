package dev.lb.core.dns;

import java.util.Locale;

/**
 * A name the table needs resolved: its A and AAAA records, or its SRV records when the name
 * is a service name ({@code _svc._tcp.example}).
 *
 * @param resolvers the haproxy.cfg {@code resolvers} section to ask; {@link #DEFAULT} ("default",
 *        HAProxy's implicit section) is {@code lb.dns.servers}, the system resolvers when unset,
 *        unless a file declares its own {@code resolvers default}
 * @param name the host or service name, lower case, without a trailing dot
 */
public record DnsQuery(String resolvers, String name) {

    /** The resolvers of {@code lb.dns.servers}: HAProxy's implicit section {@code default}. */
    public static final String DEFAULT = "default";

    public DnsQuery {
        name = name.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
    }

    /** SRV names start with an underscore label, as {@code _myapp._tcp.service.consul}. */
    public boolean srv() {
        return name.startsWith("_");
    }

    @Override
    public String toString() {
        return (srv() ? "SRV " : "A/AAAA ") + name
                + (resolvers.equals(DEFAULT) ? "" : " (resolvers " + resolvers + ")");
    }
}
