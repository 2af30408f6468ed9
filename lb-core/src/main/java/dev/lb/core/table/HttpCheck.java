package dev.lb.core.table;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A backend's HTTP health check (configuration manual, 4.2 "option httpchk", "http-check send",
 * "http-check expect"): the request to send and the statuses that pass. Without an
 * expectation any 2xx or 3xx passes, as in HAProxy.
 *
 * @param method request method, {@code OPTIONS} by default as in HAProxy
 * @param uri request target, {@code /} by default
 * @param version {@code HTTP/1.0} by default
 * @param host the {@code Host} header value, or empty for none
 * @param expectStatus status ranges {@code [from, to]} that pass ({@code expect status}); empty
 *     when unset
 * @param expectRegex a pattern the status code must match ({@code expect rstatus}), or empty
 */
public record HttpCheck(String method, String uri, String version, String host,
        List<HttpCheck.StatusRange> expectStatus, Optional<Pattern> expectRegex) {

    /** Statuses {@code from} to {@code to}, inclusive: {@code 200}, {@code 200-299}. */
    public record StatusRange(int from, int to) {
        public boolean contains(int status) {
            return status >= from && status <= to;
        }

        @Override
        public String toString() {
            return from == to ? Integer.toString(from) : from + "-" + to;
        }
    }

    /** HAProxy's request when {@code option httpchk} has no arguments. */
    public static final HttpCheck DEFAULT = new HttpCheck("OPTIONS", "/", "HTTP/1.0", "", List.of(),
            Optional.empty());

    public HttpCheck {
        Objects.requireNonNull(method);
        Objects.requireNonNull(uri);
        Objects.requireNonNull(version);
        Objects.requireNonNull(host);
        expectStatus = List.copyOf(expectStatus);
        Objects.requireNonNull(expectRegex);
    }

    /** Whether {@code status} passes this check. */
    public boolean accepts(int status) {
        if (expectRegex.isPresent()) {
            return expectRegex.get().matcher(Integer.toString(status)).find();
        }
        if (expectStatus.isEmpty()) {
            return status >= 200 && status < 400;
        }
        for (StatusRange range : expectStatus) {
            if (range.contains(status)) {
                return true;
            }
        }
        return false;
    }

    /** The request bytes: one request, and {@code Connection: close} so the server ends it. */
    public String request() {
        StringBuilder sb = new StringBuilder(method).append(' ').append(uri).append(' ').append(version)
                .append("\r\n");
        if (!host.isEmpty()) {
            sb.append("Host: ").append(host).append("\r\n");
        }
        return sb.append("Connection: close\r\n\r\n").toString();
    }

    /** Canonical text for dumps: {@code httpchk GET /health HTTP/1.1 host www expect status 200}. */
    public String describe() {
        StringBuilder sb = new StringBuilder("httpchk ").append(method).append(' ').append(uri).append(' ')
                .append(version);
        if (!host.isEmpty()) {
            sb.append(" host ").append(host);
        }
        if (expectRegex.isPresent()) {
            sb.append(" expect rstatus ").append(expectRegex.get().pattern());
        } else if (!expectStatus.isEmpty()) {
            sb.append(" expect status ");
            for (int i = 0; i < expectStatus.size(); i++) {
                sb.append(i > 0 ? "," : "").append(expectStatus.get(i));
            }
        } else {
            sb.append(" expect 2xx-3xx");
        }
        return sb.toString();
    }
}
