package dev.lb.http;

import dev.lb.core.table.Backend;
import dev.lb.core.table.Server;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for proxy tests: one event loop group per test class, real HTTP backends
 * on 127.0.0.x loopback addresses and an in-process {@link ProxyUnderTest}, all closed after
 * each test. Register it with {@code @RegisterExtension static final HttpBackendExtension
 * net = new HttpBackendExtension();}.
 */
public final class HttpBackendExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private final Transport transport = Transport.best();
    private EventLoopGroup group;
    private final List<AutoCloseable> started = new ArrayList<>();
    private int nextHost = 2;

    @Override
    public void beforeAll(ExtensionContext context) {
        group = transport.newGroup(2, "test-net");
    }

    /** Starts a backend named {@code name} on the next 127.0.0.x address. */
    public HttpBackend backend(String name) throws InterruptedException {
        String host = "127.0.0." + nextHost;
        nextHost = nextHost >= 250 ? 2 : nextHost + 1;
        HttpBackend b = HttpBackend.start(name, host, group, transport);
        started.add(b);
        return b;
    }

    /** Starts a backend named {@code name} on exactly {@code address} (to restart one on its port). */
    public HttpBackend backendAt(String name, InetSocketAddress address) throws InterruptedException {
        HttpBackend b = HttpBackend.start(name, address, group, transport);
        started.add(b);
        return b;
    }

    /** The event loops backends and proxies run on. */
    public EventLoopGroup group() {
        return group;
    }

    /** Starts a proxy on a free port of 127.0.0.1; route it with {@link ProxyUnderTest#route}. */
    public ProxyUnderTest proxy() throws InterruptedException {
        ProxyUnderTest p = new ProxyUnderTest(group, transport);
        started.add(p);
        return p;
    }

    /** A server entry for {@code backend}. */
    public static Server server(HttpBackend backend) {
        return Server.builder(backend.name(), backend.address()).build();
    }

    /** A server entry for an address where nothing listens (a port just freed). */
    public static Server deadServer(String name) throws java.io.IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        return Server.builder(name, new InetSocketAddress("127.0.0.1", port)).build();
    }

    /** A backend of the given servers with lb's defaults. */
    public static Backend.Builder backendOf(String name, Server... servers) {
        return Backend.builder(name).servers(List.of(servers));
    }

    public Transport transport() {
        return transport;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
