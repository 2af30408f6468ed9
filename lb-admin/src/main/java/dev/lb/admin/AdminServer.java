package dev.lb.admin;

import dev.lb.core.table.Bind;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.StatsSection;
import dev.lb.core.table.TableRef;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The admin HTTP plane (SPEC section 8): {@code lb.admin.bind} plus one listener per address
 * of the table's stats sections, following reloads (new addresses bound, removed ones closed,
 * kept ones keep their socket and take the new pages and users). A stats section on the
 * {@code lb.admin.bind} address shares that listener. {@code lb.admin.bind} asks for a user of
 * {@code lb.admin.auth} or of any section's {@code stats auth}; a section's own listener for its
 * own users, as HAProxy does.
 */
public final class AdminServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("lb.admin");

    private final TableRef tables;
    private final StatsView stats;
    private final AdminControl control;
    private final InetSocketAddress adminBind;
    private final List<String> adminUsers;
    private final EventLoopGroup group;
    private final ExecutorService blocking;
    private final Map<InetSocketAddress, Listener> listeners = new HashMap<>();
    private boolean closed;

    /** One bound admin address, its open connections, and what it serves now. */
    private record Listener(Channel channel, ChannelGroup connections, AtomicReference<AdminMount> mount) {

        void close() {
            channel.close().awaitUninterruptibly(2000);
            // Admin pages are short requests: a removed listener takes its keep-alive connections along.
            connections.close().awaitUninterruptibly(2000);
        }
    }

    /**
     * @param adminBind {@code lb.admin.bind}
     * @param adminUsers {@code lb.admin.auth} as {@code user:password} pairs; empty for none
     * @param group an NIO event loop group for the admin listeners (not the data plane's loops)
     */
    public AdminServer(TableRef tables, StatsView stats, AdminControl control, InetSocketAddress adminBind,
            List<String> adminUsers, EventLoopGroup group) {
        this.tables = tables;
        this.stats = stats;
        this.control = control;
        this.adminBind = normalize(adminBind);
        this.adminUsers = List.copyOf(adminUsers);
        this.group = group;
        this.blocking = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lb-admin-blocking");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Binds {@code lb.admin.bind} and the current table's stats sections, then follows every
     * published table.
     *
     * @throws IOException when {@code lb.admin.bind} cannot be bound
     */
    public void start() throws IOException {
        apply(tables.get());
        synchronized (this) {
            if (!listeners.containsKey(adminBind)) {
                throw new IOException("cannot listen on lb.admin.bind " + Bind.describe(adminBind));
            }
        }
        tables.onPublish(this::apply);
    }

    /** Where {@code bind} is really listening (its port when it asked for port 0), or {@code null}. */
    public synchronized InetSocketAddress localAddress(InetSocketAddress bind) {
        Listener l = listeners.get(normalize(bind));
        return l == null ? null : (InetSocketAddress) l.channel().localAddress();
    }

    /** The addresses listened on now. */
    public synchronized List<InetSocketAddress> addresses() {
        return List.copyOf(listeners.keySet());
    }

    /** Binds, rebinds or closes listeners so that exactly the mounts of {@code table} are served. */
    public synchronized void apply(RoutingTable table) {
        if (closed) {
            return;
        }
        Map<InetSocketAddress, AdminMount> wanted = mounts(table);
        for (var it = listeners.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                LOG.log(System.Logger.Level.INFO, "stats page no longer served on "
                        + Bind.describe(e.getKey()));
                e.getValue().close();
                it.remove();
            }
        }
        for (Map.Entry<InetSocketAddress, AdminMount> e : wanted.entrySet()) {
            Listener l = listeners.get(e.getKey());
            if (l != null) {
                l.mount().set(e.getValue());
                continue;
            }
            AtomicReference<AdminMount> mount = new AtomicReference<>(e.getValue());
            ChannelGroup connections = new DefaultChannelGroup(group.next());
            try {
                Channel ch = bind(e.getKey(), mount, connections);
                listeners.put(e.getKey(), new Listener(ch, connections, mount));
            } catch (Exception ex) {
                // A stats bind that fails leaves the routing untouched; the next table retries it.
                LOG.log(System.Logger.Level.ERROR, "cannot serve the stats page on " + Bind.describe(e.getKey())
                        + ": " + ex.getMessage());
            }
        }
    }

    private Map<InetSocketAddress, AdminMount> mounts(RoutingTable table) {
        Map<InetSocketAddress, List<StatsPage>> pages = new LinkedHashMap<>();
        Map<InetSocketAddress, List<String>> users = new HashMap<>();
        Map<InetSocketAddress, String> realms = new HashMap<>();
        pages.computeIfAbsent(adminBind, k -> new ArrayList<>()).add(StatsPage.DEFAULT);
        users.computeIfAbsent(adminBind, k -> new ArrayList<>()).addAll(adminUsers);
        for (StatsSection s : table.statsSections()) {
            for (Bind b : s.binds()) {
                InetSocketAddress a = normalize(b.address());
                List<StatsPage> p = pages.computeIfAbsent(a, k -> new ArrayList<>());
                // The merged lb.admin.bind page at "/" gives way to the section's own page there.
                p.removeIf(x -> x.uri().equals(s.uri()));
                p.add(new StatsPage(s.uri(), s.refresh(), s.hideVersion()));
                users.computeIfAbsent(a, k -> new ArrayList<>()).addAll(s.users());
                if (!s.users().isEmpty()) {
                    realms.put(a, s.realm());
                }
            }
            // 'stats auth' protects the whole admin plane (SPEC section 8): lb.admin.bind, which also
            // serves /api/reload, takes the sections' users wherever the sections listen.
            List<String> adminSide = users.get(adminBind);
            for (String u : s.users()) {
                if (!adminSide.contains(u)) {
                    adminSide.add(u);
                }
            }
            if (!s.users().isEmpty()) {
                realms.putIfAbsent(adminBind, s.realm());
            }
        }
        Map<InetSocketAddress, AdminMount> out = new LinkedHashMap<>();
        for (Map.Entry<InetSocketAddress, List<StatsPage>> e : pages.entrySet()) {
            out.put(e.getKey(), new AdminMount(e.getValue(), users.getOrDefault(e.getKey(), List.of()),
                    realms.getOrDefault(e.getKey(), StatsSection.DEFAULT_REALM)));
        }
        return out;
    }

    private Channel bind(InetSocketAddress address, AtomicReference<AdminMount> mount, ChannelGroup connections)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new AdminHttpHandler(mount::get, tables, stats, control, blocking));
                    }
                });
        Channel ch = b.bind(address).sync().channel();
        LOG.log(System.Logger.Level.INFO, "admin plane listening on " + Bind.describe(address));
        return ch;
    }

    /** Wildcard addresses compare equal whatever their spelling ({@code :1936}, {@code *:1936}). */
    private static InetSocketAddress normalize(InetSocketAddress a) {
        if (a.getAddress() == null || a.getAddress().isAnyLocalAddress()) {
            return new InetSocketAddress(a.getPort());
        }
        return a;
    }

    /** Closes every admin listener. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Listener l : listeners.values()) {
            l.close();
        }
        listeners.clear();
        blocking.shutdownNow();
    }
}
