package dev.lb.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A blocking HTTP/1.1 client over a plain socket, for tests that need exact bytes on the wire:
 * malformed requests, pipelining, one connection for several requests, raw bytes after 101.
 */
public final class RawHttpClient implements AutoCloseable {

    /** A response as read off the wire; header names lower-cased. */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + bodyText();
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttpClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public RawHttpClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttpClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends {@code GET path} with the given Host and extra header lines ("Name: value"). */
    public Response get(String path, String host, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        send(sb.append("\r\n").toString());
        return read();
    }

    /** Reads one response (an interim 1xx response too); the body by its framing. */
    public Response read() throws IOException {
        Response head = readHead();
        int status = head.status();
        Map<String, List<String>> headers = head.headers();
        if (status < 200 || status == 204 || status == 304) {
            return head;
        }
        return readBody(head);
    }

    /** Reads the status line and headers of a response only (the answer to HEAD has no body). */
    public Response readHead() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(l.substring(colon + 1).trim());
        }
        return new Response(status, headers, new byte[0]);
    }

    private Response readBody(Response head) throws IOException {
        int status = head.status();
        Map<String, List<String>> headers = head.headers();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String te = head.header("transfer-encoding");
        String cl = head.header("content-length");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                body.write(in.readNBytes(size));
                line();
            }
        } else if (cl != null) {
            body.write(in.readNBytes(Integer.parseInt(cl)));
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(status, headers, body.toByteArray());
    }

    /** Reads up to {@code n} raw bytes (after a 101). */
    public byte[] readBytes(int n) throws IOException {
        return in.readNBytes(n);
    }

    /** Whether the peer closes the connection within {@code millis} (reads and drops any bytes). */
    public boolean closedWithin(long millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            try {
                if (in.read() < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        }
        return false;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] a = b.toByteArray();
                int len = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
                return new String(a, 0, len, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
