package dev.lb.core.route;

import dev.lb.core.match.Condition;
import dev.lb.core.table.Backend;

/**
 * One {@code use_backend} line: when {@code condition} holds, {@code backend} serves the
 * request. {@code location} is the {@code file:line} it came from.
 */
public record Rule(Condition condition, Backend backend, String location) {
}
