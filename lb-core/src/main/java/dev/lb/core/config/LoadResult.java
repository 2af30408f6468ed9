package dev.lb.core.config;

import dev.lb.core.table.RoutingTable;
import java.util.List;

/** A table built from configuration files, with the warnings it produced. */
public record LoadResult(RoutingTable table, List<ConfigProblem> warnings) {
}
