package dev.lb.core.dns;

/**
 * The answers known now, as the table compiler sees them. A lookup never waits: a name not
 * resolved yet is {@code null}, and whoever watches the names builds a new table once it is.
 */
@FunctionalInterface
public interface DnsLookup {

    /** Resolves nothing: names stay unresolved (lb -c, tests). */
    DnsLookup NONE = q -> null;

    /** The current answer, or {@code null} when the name has not been resolved yet. */
    DnsAnswer lookup(DnsQuery query);
}
