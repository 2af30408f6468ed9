package dev.lb.core.config;

import dev.lb.core.balance.Algorithm;
import dev.lb.core.table.HttpCheck;
import dev.lb.core.table.Mode;
import dev.lb.core.table.Timeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The settings a proxy takes from its {@code defaults} section and may override: mode,
 * timeouts, options, retries, balance, maxconn, {@code default_backend} and
 * {@code default-server}. A {@code defaults} section fills one; each proxy starts from a copy.
 */
final class ProxySettings {

    /** The {@code timeout} names lb knows, in {@link Timeouts} order. */
    enum Timeout {
        CONNECT, CLIENT, SERVER, HTTP_REQUEST, HTTP_KEEP_ALIVE, QUEUE, TUNNEL, CHECK;

        String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** {@code null} until a {@code mode} line: HAProxy's own default is tcp. */
    Mode mode;
    /** The line that set {@link #mode}, for errors that point at it. */
    ConfigLine modeLine;
    final Map<Timeout, Duration> timeouts = new EnumMap<>(Timeout.class);
    boolean forwardFor;
    boolean httpServerClose;
    boolean redispatch;
    int retries = 3;
    Algorithm balance = Algorithm.ROUNDROBIN;
    int maxconn;
    /** The {@code default_backend} name, with its line for resolution errors. */
    String defaultBackend;
    ConfigLine defaultBackendLine;
    /** {@code default-server} words, applied before each server line's own. */
    final List<String> defaultServer = new ArrayList<>();
    /** {@code tcp-request inspect-delay}: how long a mode tcp frontend may wait for the first bytes. */
    Duration inspectDelay = Duration.ZERO;
    ConfigLine inspectDelayLine;
    /** {@code option httpchk} and {@code http-check} lines. */
    HttpCheckSettings httpCheck = new HttpCheckSettings();

    /** What {@code option httpchk} and {@code http-check} set, with HAProxy's defaults. */
    static final class HttpCheckSettings {
        boolean enabled;
        String method = HttpCheck.DEFAULT.method();
        String uri = HttpCheck.DEFAULT.uri();
        String version = HttpCheck.DEFAULT.version();
        String host = "";
        List<HttpCheck.StatusRange> expectStatus = List.of();
        Pattern expectRegex;
        /** Whether this section (not its defaults) has an expect rule: it replaces the inherited one. */
        boolean ownExpect;
        /** The first {@code http-check} line of the section, for the "needs option httpchk" warning. */
        ConfigLine firstLine;

        HttpCheckSettings copy() {
            HttpCheckSettings c = new HttpCheckSettings();
            c.enabled = enabled;
            c.method = method;
            c.uri = uri;
            c.version = version;
            c.host = host;
            c.expectStatus = expectStatus;
            c.expectRegex = expectRegex;
            return c;
        }

        /** The HTTP check, or empty when the check is a TCP connect (no {@code option httpchk}). */
        Optional<HttpCheck> build() {
            if (!enabled) {
                return Optional.empty();
            }
            return Optional.of(new HttpCheck(method, uri, version, host, expectStatus,
                    Optional.ofNullable(expectRegex)));
        }
    }

    ProxySettings copy() {
        ProxySettings c = new ProxySettings();
        c.mode = mode;
        c.modeLine = modeLine;
        c.timeouts.putAll(timeouts);
        c.forwardFor = forwardFor;
        c.httpServerClose = httpServerClose;
        c.redispatch = redispatch;
        c.retries = retries;
        c.balance = balance;
        c.maxconn = maxconn;
        c.defaultBackend = defaultBackend;
        c.defaultBackendLine = defaultBackendLine;
        c.defaultServer.addAll(defaultServer);
        c.httpCheck = httpCheck.copy();
        c.inspectDelay = inspectDelay;
        c.inspectDelayLine = inspectDelayLine;
        return c;
    }

    /**
     * The timeouts after HAProxy's fallbacks (manual 4.2, "timeout http-request",
     * "timeout http-keep-alive", "timeout queue", "timeout tunnel"), then lb's finite defaults
     * where the configuration set nothing at all.
     */
    Timeouts timeouts() {
        Timeouts d = Timeouts.DEFAULTS;
        Duration connect = timeouts.getOrDefault(Timeout.CONNECT, d.connect());
        Duration client = timeouts.getOrDefault(Timeout.CLIENT, d.client());
        Duration server = timeouts.getOrDefault(Timeout.SERVER, d.server());
        // Unset http-request: the client timeout still applies between chunks of the request.
        Duration httpRequest = timeouts.getOrDefault(Timeout.HTTP_REQUEST,
                timeouts.containsKey(Timeout.CLIENT) ? client : d.httpRequest());
        // Unset http-keep-alive: HAProxy waits for the next request for http-request.
        Duration keepAlive = timeouts.getOrDefault(Timeout.HTTP_KEEP_ALIVE,
                timeouts.containsKey(Timeout.HTTP_REQUEST) || timeouts.containsKey(Timeout.CLIENT)
                        ? httpRequest : d.httpKeepAlive());
        // Unset queue: the connect timeout bounds the time in the queue.
        Duration queue = timeouts.getOrDefault(Timeout.QUEUE,
                timeouts.containsKey(Timeout.CONNECT) ? connect : d.queue());
        // Unset tunnel: the client and server timeouts keep applying to the tunnel.
        Duration tunnel = timeouts.getOrDefault(Timeout.TUNNEL,
                timeouts.containsKey(Timeout.CLIENT) || timeouts.containsKey(Timeout.SERVER)
                        ? max(client, server) : d.tunnel());
        Duration check = timeouts.getOrDefault(Timeout.CHECK, d.check());
        return new Timeouts(connect, client, server, httpRequest, keepAlive, queue, tunnel, check);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
