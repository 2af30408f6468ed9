package dev.lb.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately dumb HTTP/1.x client over a socket: sends exactly the bytes it is given (a Host
 * header with odd case or a port, no Host at all), reads one response. {@code java.net.http}
 * refuses to send a custom Host header, which routing tests need.
 */
public final class RawHttp {

    /** A parsed response: status, headers (lower-case names), body. */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {
    }

    /** {@code GET path} with the given Host header value ({@code null} for none), Connection: close. */
    public static Response get(InetSocketAddress to, String host, String path) {
        StringBuilder req = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\n");
        if (host != null) {
            req.append("Host: ").append(host).append("\r\n");
        }
        req.append("Connection: close\r\n\r\n");
        return exchange(to, req.toString());
    }

    /** Sends {@code request} as is and reads the response until the server closes. */
    public static Response exchange(InetSocketAddress to, String request) {
        try (Socket s = new Socket()) {
            s.connect(to, 5000);
            s.setSoTimeout(15000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return parse(s.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("exchange with " + to + " failed", e);
        }
    }

    private static Response parse(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        String text = all.toString(StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no complete response header in: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        return new Response(status, headers, text.substring(end + 4));
    }
}
