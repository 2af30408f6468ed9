package dev.lb.server;

import dev.lb.admin.AdminStatus;
import dev.lb.admin.ServerStatus;
import dev.lb.admin.StatsPage;
import dev.lb.admin.StatsView;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Server;
import dev.lb.core.table.TableRef;

/**
 * A stand-in {@link StatsView} until the counters' renderings are wired in: server names,
 * statuses and weights only, in the first columns of HAProxy's CSV.
 */
final class PlaceholderStats implements StatsView {

    private final TableRef tables;

    PlaceholderStats(TableRef tables) {
        this.tables = tables;
    }

    @Override
    public String csv() {
        StringBuilder sb = new StringBuilder("# pxname,svname,status,weight\n");
        for (Backend b : tables.get().backends().values()) {
            for (Server s : b.servers()) {
                sb.append(b.name()).append(',').append(s.name()).append(',').append(ServerStatus.of(s))
                        .append(',').append(s.effectiveWeight()).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public String prometheus() {
        return "# lb counters are not wired in yet\n";
    }

    @Override
    public String html(StatsPage page, AdminStatus status) {
        return "<html><head><title>lb stats</title></head><body><pre>table version " + status.version()
                + "\n" + csv() + "</pre></body></html>\n";
    }
}
