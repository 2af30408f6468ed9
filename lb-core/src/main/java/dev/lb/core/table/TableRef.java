package dev.lb.core.table;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The current routing table: the single place where "the configuration now" lives. Data
 * planes call {@link #get()} once per request or connection; a reload builds a new table off
 * the event loops and calls {@link #publish} once. Never {@code null}.
 */
public final class TableRef {

    private final AtomicReference<RoutingTable> current = new AtomicReference<>(RoutingTable.EMPTY);
    private final List<Consumer<RoutingTable>> listeners = new CopyOnWriteArrayList<>();
    private final Object publishLock = new Object();

    public RoutingTable get() {
        return current.get();
    }

    /**
     * Makes {@code table} current under the next version number and tells the listeners
     * (listener manager, admin plane) after the swap. Publishers are serialised so that
     * versions only grow; readers never wait.
     *
     * @return the table as published, with its version
     */
    public RoutingTable publish(RoutingTable table) {
        synchronized (publishLock) {
            RoutingTable next = table.withVersion(current.get().version() + 1);
            current.set(next);
            for (Consumer<RoutingTable> l : listeners) {
                l.accept(next);
            }
            return next;
        }
    }

    /** Called after each publish, on the publishing thread, in publication order. */
    public void onPublish(Consumer<RoutingTable> listener) {
        listeners.add(listener);
    }
}
