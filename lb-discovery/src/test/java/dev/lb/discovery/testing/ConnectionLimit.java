package dev.lb.discovery.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * Consul's {@code limits.http_max_conns_per_client} in front of the fixture's HTTP server: a TCP
 * relay that lets at most {@code max} connections per client address be open at once and answers
 * any connection beyond that with {@code 429 Too Many Requests} and a close, as Consul's connlimit
 * handler does. Counts the peak of open connections and the refused ones, for tests to assert on.
 */
final class ConnectionLimit implements AutoCloseable {

    private static final byte[] TOO_MANY = ("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final int max;
    private final InetSocketAddress backend;
    private final ExecutorService threads;
    private final ServerSocket listener;
    // Guarded by this.
    private final Map<InetAddress, Integer> open = new HashMap<>();
    private final Set<Socket> sockets = new HashSet<>();
    private int peak;
    private long refused;
    private boolean closed;

    /** Listens on {@code at}, relaying to {@code backend}; threads from {@code threads} (one per direction). */
    ConnectionLimit(InetSocketAddress at, InetSocketAddress backend, int max, ExecutorService threads) {
        this.max = max;
        this.backend = backend;
        this.threads = threads;
        try {
            listener = new ServerSocket();
            listener.setReuseAddress(true);
            listener.bind(at, 512);
        } catch (IOException e) {
            throw new UncheckedIOException("consul fixture: cannot listen on " + at, e);
        }
        threads.execute(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The most connections one client had open at once. */
    synchronized int peak() {
        return peak;
    }

    /** How many connections were refused for being over the limit. */
    synchronized long refused() {
        return refused;
    }

    /** Open connections, all clients together. */
    synchronized int open() {
        return open.values().stream().mapToInt(Integer::intValue).sum();
    }

    private void accept() {
        while (true) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            InetAddress from = client.getInetAddress();
            boolean admitted;
            synchronized (this) {
                int n = open.getOrDefault(from, 0);
                admitted = !closed && n < max;
                if (admitted) {
                    open.put(from, n + 1);
                    peak = Math.max(peak, n + 1);
                    sockets.add(client);
                } else {
                    refused++;
                }
            }
            if (!admitted) {
                try (client) {
                    client.getOutputStream().write(TOO_MANY);
                } catch (IOException e) {
                    // the client went away first
                }
                continue;
            }
            Socket server = new Socket();
            try {
                server.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                server.connect(backend, 2_000);
            } catch (IOException e) {
                release(from, client, server);
                continue;
            }
            synchronized (this) {
                sockets.add(server);
            }
            Runnable end = () -> release(from, client, server);
            threads.execute(() -> pump(client, server, end));
            threads.execute(() -> pump(server, client, end));
        }
    }

    private static void pump(Socket from, Socket to, Runnable end) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // either side closed
        }
        end.run();
    }

    /** Closes both sides once and frees the client's slot. */
    private void release(InetAddress from, Socket client, Socket server) {
        synchronized (this) {
            if (!sockets.remove(client)) {
                sockets.remove(server);
                closeQuietly(server);
                return; // already released by the other direction
            }
            sockets.remove(server);
            open.merge(from, -1, Integer::sum);
        }
        closeQuietly(client);
        closeQuietly(server);
    }

    @Override
    public void close() {
        Set<Socket> all;
        synchronized (this) {
            closed = true;
            all = new HashSet<>(sockets);
        }
        closeQuietly(listener);
        for (Socket s : all) {
            closeQuietly(s);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }
}
