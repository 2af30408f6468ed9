package dev.lb.core.balance;

import dev.lb.core.table.Server;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code balance source}: a hash of the client address picks a slot in a weighted table, so a
 * client keeps its server while the server set is unchanged. When that server is unusable the
 * client is re-hashed over the others (its next slots follow from its own hash), which leaves
 * the clients of every other server where they were. A client without an address (a Unix
 * socket) goes round-robin, as in HAProxy.
 */
final class SourceHashBalancer extends PoolBalancer {

    private final int probes;
    private final AtomicLong cursor = new AtomicLong();

    SourceHashBalancer(List<Server> servers) {
        super(servers);
        this.probes = 2 * active.length + 2;
    }

    @Override
    protected Server pick(InetAddress source, Server avoid) {
        if (source == null) {
            return scanFrom((int) Math.floorMod(cursor.getAndIncrement(), (long) active.length), avoid);
        }
        int[] slots = weightedSequence();
        long h = hash(source.getAddress());
        for (int i = 0; i < probes && slots.length > 0; i++) {
            int slot = (int) Math.floorMod(mix(h + i * 0x9E3779B97F4A7C15L), (long) slots.length);
            Server s = active[slots[slot]];
            if (eligible(s, avoid)) {
                return s;
            }
        }
        return scanFrom((int) Math.floorMod(h, (long) active.length), avoid);
    }

    private static long hash(byte[] address) {
        long h = 0xcbf29ce484222325L;
        for (byte b : address) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    /** A 64-bit finalizer (SplitMix64), so that nearby addresses land on unrelated slots. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
