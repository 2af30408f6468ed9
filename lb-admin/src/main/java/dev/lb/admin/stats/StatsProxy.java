package dev.lb.admin.stats;

import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.RoutingTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One proxy as the stats show it: a {@code frontend}, a {@code backend}, or both halves of a
 * {@code listen}, with HAProxy's proxy id ({@code iid}: its rank in declaration order).
 */
record StatsProxy(String name, int iid, Optional<Frontend> frontend, Optional<Backend> backend) {

    /**
     * The proxies of {@code table} in declaration order (file order of the sources, then line),
     * which is HAProxy's order of its stats rows. A frontend and a backend of one name declared
     * at the same place are the two halves of one {@code listen}.
     */
    static List<StatsProxy> of(RoutingTable table) {
        record Half(String name, String location, long order, Frontend frontend, Backend backend) {
        }
        List<Half> halves = new ArrayList<>();
        long seq = 0;
        for (Frontend f : table.frontends()) {
            halves.add(new Half(f.name(), f.location(), order(table, f.location(), seq++), f, null));
        }
        for (Backend b : table.backends().values()) {
            halves.add(new Half(b.name(), b.location(), order(table, b.location(), seq++), null, b));
        }
        halves.sort(Comparator.comparingLong(Half::order));
        List<StatsProxy> out = new ArrayList<>();
        for (int i = 0; i < halves.size(); i++) {
            Half h = halves.get(i);
            Frontend f = h.frontend();
            Backend b = h.backend();
            if (f != null && i + 1 < halves.size()) {
                Half n = halves.get(i + 1);
                if (n.backend() != null && n.name().equals(h.name()) && !h.location().isEmpty()
                        && n.location().equals(h.location())) {
                    b = n.backend();
                    i++;
                }
            }
            out.add(new StatsProxy(h.name(), out.size() + 1, Optional.ofNullable(f), Optional.ofNullable(b)));
        }
        return out;
    }

    /**
     * A sort key from {@code file:line}: the file's rank among the table's sources, then the
     * line; tables built without locations keep their list order (frontends, then backends).
     */
    private static long order(RoutingTable table, String location, long seq) {
        int colon = location.lastIndexOf(':');
        if (colon > 0) {
            int file = table.sources().indexOf(location.substring(0, colon));
            try {
                long line = Long.parseLong(location.substring(colon + 1));
                if (file >= 0) {
                    // The sequence breaks ties so that a listen's frontend half sorts first.
                    return ((long) file << 40) | (line << 20) | seq;
                }
            } catch (NumberFormatException e) {
                // not a file:line location; fall through
            }
        }
        return (1L << 62) | seq;
    }
}
