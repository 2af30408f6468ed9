package dev.lb.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain TCP servers on loopback for the mode tcp tests, one thread per connection. Each server
 * has a name and a behaviour: the {@code named} one says {@code NAME\n} then echoes, the others
 * are given as a function of the accepted socket.
 */
public final class TcpServers implements AutoCloseable {

    private final Map<String, ServerSocket> sockets = new ConcurrentHashMap<>();
    private final Map<String, Thread> acceptors = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    /** Starts a server that greets each connection with {@code name + "\n"}, then echoes. */
    public String named(String host, String name) {
        return start(host, name, (s, in) -> {
            OutputStream out = s.getOutputStream();
            out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            copy(in, out);
        });
    }

    /** Starts a server that echoes every byte back, and closes after the client's FIN. */
    public String echo(String host, String name) {
        return start(host, name, (s, in) -> copy(in, s.getOutputStream()));
    }

    /** A behaviour on an accepted connection; it may throw. */
    @FunctionalInterface
    public interface Behaviour {
        void serve(Socket s, InputStream in) throws IOException;
    }

    /** Starts a server with {@code behaviour}; returns {@code host:port}. */
    public String start(String host, String name, Behaviour behaviour) {
        try {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 200);
            sockets.put(name, ss);
            AtomicInteger count = accepted.computeIfAbsent(name, k -> new AtomicInteger());
            Thread t = new Thread(() -> acceptLoop(ss, count, behaviour), "tcp-server-" + name);
            t.setDaemon(true);
            acceptors.put(name, t);
            t.start();
            return host + ":" + ss.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void acceptLoop(ServerSocket ss, AtomicInteger count, Behaviour behaviour) {
        while (!ss.isClosed()) {
            try {
                Socket s = ss.accept();
                if (ss.isClosed()) {
                    // Accepted by an accept() that was already blocked when stop() closed the
                    // socket: the kernel kept listening for it. The server is stopped: refuse it.
                    s.close();
                    return;
                }
                count.incrementAndGet();
                connections.add(s);
                Thread t = new Thread(() -> {
                    try (s) {
                        behaviour.serve(s, s.getInputStream());
                    } catch (IOException e) {
                        // the client went away
                    }
                }, "tcp-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Connections the server {@code name} accepted so far. */
    public int accepted(String name) {
        AtomicInteger c = accepted.get(name);
        return c == null ? 0 : c.get();
    }

    /**
     * Stops accepting on {@code name}: once this returns, new connections to it are refused.
     * It waits for the accept thread, because a blocked accept() keeps the socket listening in
     * the kernel until it returns, and it could otherwise take one more connection.
     */
    public void stop(String name) throws IOException {
        sockets.remove(name).close();
        Thread t = acceptors.remove(name);
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while stopping " + name);
        }
        if (t.isAlive()) {
            throw new IOException("server " + name + " still accepting 10 s after close");
        }
    }

    public static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
        }
        out.flush();
    }

    @Override
    public void close() {
        for (ServerSocket s : sockets.values()) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
