package dev.lb.discovery.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test stand-in for a one-server Consul agent's HTTP API (Consul has no Debian package): the
 * catalog, health and KV endpoints a discovery client reads, with Consul's JSON field names and
 * its blocking queries, so that the ecwid client and curl both work against it.
 *
 * <p>Implemented: {@code GET /v1/catalog/services}, {@code /v1/catalog/service/<svc>},
 * {@code /v1/catalog/nodes}, {@code /v1/health/service/<svc>} ({@code passing}, {@code tag}),
 * {@code /v1/health/state/<any|passing|warning|critical>}, {@code /v1/kv/<key>} ({@code recurse},
 * {@code keys}; {@code PUT} with {@code flags}, {@code cas}; {@code DELETE} with {@code recurse}),
 * {@code PUT /v1/catalog/register|deregister} and {@code /v1/agent/service/register},
 * {@code /v1/agent/service/deregister/<id>} (on the fixed agent node {@value #AGENT_NODE}),
 * {@code /v1/status/leader|peers}, {@code /v1/agent/self} (minimal). Every read answers with
 * {@code X-Consul-Index}, {@code X-Consul-KnownLeader: true} and {@code X-Consul-LastContact: 0}.
 * Blocking: {@code ?index=N&wait=D} parks until the index is above N or the wait (Go duration,
 * default 5m, at most 10m, plus up to wait/16 of jitter as Consul adds) ends.
 *
 * <p>Indexes as Consul's state store keeps them: a raft-like index incremented by every write,
 * which every entity records as its {@code ModifyIndex}, and per endpoint the index Consul answers
 * in {@code X-Consul-Index} and parks on (a blocking query wakes only when that index passes the
 * query's {@code index}): {@code /v1/health/service/<svc>} and {@code /v1/catalog/service/<svc>}
 * the service's own index (moved by its registrations, deregistrations, its checks and the node
 * checks of its nodes), or, when the service does not exist, the catalog's "last extinction"
 * index (moved whenever the last instance of any service goes, as Consul's
 * {@code maxIndexForService} does, so a query parked on a service wakes when it disappears);
 * {@code /v1/catalog/services} the services table's index; {@code /v1/catalog/nodes} the nodes
 * table's; {@code /v1/health/state/<state>} the checks table's; {@code /v1/kv/<key>} the key's
 * {@code ModifyIndex}, and with {@code recurse} or {@code keys} the highest {@code ModifyIndex}
 * under the prefix or the index of the last delete under it (Consul's tombstones; the fixture
 * never reaps them), the whole KV table's index when neither exists. New checks without a status
 * start critical, as in Consul. Like a real catalog it lists the {@code consul} service itself
 * (node {@value #SERVER_NODE}). Not implemented: datacenters, ACL policies (see below), sessions and locks,
 * consistency modes, filters ({@code filter=}), agent checks that run (TTL/HTTP/script: a test
 * sets statuses with {@link #setCheck}), prepared queries, events, {@code X-Consul-Effective-*}.
 * The JDK server writes header names as {@code X-consul-index} (HTTP header names are
 * case-insensitive; clients that compare them exactly would notice).
 *
 * <p>ACLs, when {@link #requireToken} is set (off by default): one token with every right, as
 * with {@code acl.default_policy = "deny"} and a management token. It is taken, as Consul's
 * {@code parseToken} takes it, from {@code ?token=}, else the {@code X-Consul-Token} header, else
 * {@code Authorization: Bearer <token>}. Any request without it is answered {@code 403} with
 * Consul's body: {@code Permission denied} when no token came (the anonymous token has no rights;
 * Consul 1.13+ appends which right was lacking), {@code ACL not found} when another token came
 * (Consul's answer for a token it does not know). {@link #tokenRequests()} counts how requests
 * carried a token, so a test can check it never travelled in the URL.
 *
 * <p>{@link #stop()} behaves like the Consul process dying: the listening socket and every
 * connection, parked blocking queries included, are closed; {@link #start()} listens again on the
 * same address, and {@link #restart} models "Consul restarted with a lower index".
 */
public final class ConsulFixture implements AutoCloseable {

    /** The node that {@code /v1/agent/service/register} registers on (address 127.0.0.1). */
    public static final String AGENT_NODE = "agent";
    /** The node carrying the built-in {@code consul} service. */
    public static final String SERVER_NODE = "consul-server";
    private static final long DEFAULT_WAIT_MILLIS = TimeUnit.MINUTES.toMillis(5);
    private static final long MAX_WAIT_MILLIS = TimeUnit.MINUTES.toMillis(10);
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final AtomicInteger THREADS = new AtomicInteger();

    static {
        // The JDK server writes headers and body apart; with Nagle on, the client's delayed ACK
        // holds every answer for 40 ms. Read once per JVM, by whichever HttpServer starts first.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "consul-fixture-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final List<String> log = new ArrayList<>();

    // Guarded by this.
    private final TreeMap<String, Node> nodes = new TreeMap<>();
    /** node -> service id -> service. */
    private final TreeMap<String, TreeMap<String, Svc>> services = new TreeMap<>();
    /** node -> check id -> check (node checks have serviceId ""). */
    private final TreeMap<String, TreeMap<String, Check>> checks = new TreeMap<>();
    private final TreeMap<String, KvEntry> kv = new TreeMap<>();
    /** Key -> index of its delete (Consul's KV tombstones, never reaped here). */
    private final TreeMap<String, Long> tombstones = new TreeMap<>();
    /** Service name -> the service's own index (kept after the service is gone, as Consul does). */
    private final Map<String, Long> serviceIndexes = new HashMap<>();
    /** Service name -> how many instances are registered. */
    private final Map<String, Integer> instanceCounts = new HashMap<>();
    private long index = 1;
    /** Table indexes: the index of the last write that changed the table. */
    private long servicesIndex = 1;
    private long checksIndex = 1;
    private long nodesIndex = 1;
    private long kvIndex = 1;
    /** The index of the last deregistration that removed a service's last instance. */
    private long extinctionIndex;
    /** Incremented by stop(): parked queries of an older generation end without an answer. */
    private long generation;
    /** The parked blocking queries. */
    private final Set<Waiter> waiters = new HashSet<>();
    private HttpServer server;
    private int port;
    /** Consul's http_max_conns_per_client; 0 = no limit (no relay in front of the server). */
    private int maxConnections;
    private ConnectionLimit limit;
    /** With ACLs on, the one token allowed everything; null = ACLs off. */
    private volatile String requiredToken;
    /** How requests carried a token: "query", "header", "bearer"; and "denied" answers. */
    private final Map<String, AtomicLong> tokenRequests = new ConcurrentHashMap<>();

    public ConsulFixture() {
        addBuiltins();
    }

    // ---- lifecycle ----

    /** Listens on 127.0.0.1: a free port the first time, the same port after {@link #stop()}. */
    public synchronized ConsulFixture start() {
        return start(port);
    }

    /** Listens on 127.0.0.1:{@code port} (0 = any free port). */
    public synchronized ConsulFixture start(int port) {
        if (server != null) {
            throw new IllegalStateException("already started on " + address());
        }
        try {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            HttpServer s = HttpServer.create(maxConnections > 0
                    ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 0) : at, 128);
            s.createContext("/", this::handle);
            s.setExecutor(executor); // one thread per parked blocking query: a cached pool
            s.start();
            server = s;
            if (maxConnections > 0) {
                limit = new ConnectionLimit(at, s.getAddress(), maxConnections, executor);
                this.port = limit.port();
            } else {
                this.port = s.getAddress().getPort();
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("consul fixture: cannot listen on port " + port, e);
        }
    }

    /** Like the Consul process dying: closes the listening socket and every connection, parked queries too. */
    public void stop() {
        HttpServer s;
        ConnectionLimit l;
        synchronized (this) {
            s = server;
            server = null;
            l = limit;
            limit = null;
            generation++;
            wake();
        }
        if (l != null) {
            l.close();
        }
        if (s != null) {
            s.stop(0);
        }
    }

    /**
     * Consul restarting: {@link #stop()}, then, unless {@code keepData}, an empty catalog (the
     * {@code consul} service only) and KV, the index set to {@code newIndex} (lower than before
     * for "restarted with a lower index"), and {@link #start()} on the same address.
     */
    public void restart(boolean keepData, long newIndex) {
        stop();
        synchronized (this) {
            if (!keepData) {
                nodes.clear();
                services.clear();
                checks.clear();
                kv.clear();
                tombstones.clear();
                serviceIndexes.clear();
                instanceCounts.clear();
                extinctionIndex = 0;
                addBuiltins();
            }
            resetIndex(newIndex);
            start();
        }
    }

    /**
     * Sets the index (e.g. lower, as after a restart from an older snapshot): every recorded index
     * above it is lowered to it; wakes parked queries.
     */
    public synchronized void resetIndex(long newIndex) {
        if (newIndex < 1) {
            throw new IllegalArgumentException("index must be >= 1");
        }
        index = newIndex;
        servicesIndex = Math.min(servicesIndex, newIndex);
        checksIndex = Math.min(checksIndex, newIndex);
        nodesIndex = Math.min(nodesIndex, newIndex);
        kvIndex = Math.min(kvIndex, newIndex);
        extinctionIndex = Math.min(extinctionIndex, newIndex);
        serviceIndexes.replaceAll((k, v) -> Math.min(v, newIndex));
        tombstones.replaceAll((k, v) -> Math.min(v, newIndex));
        kv.replaceAll((k, e) -> new KvEntry(k, e.value, e.flags, Math.min(e.createIndex, newIndex),
                Math.min(e.modifyIndex, newIndex)));
        wake();
    }

    @Override
    public void close() {
        stop();
        executor.shutdownNow();
    }

    /**
     * Like Consul's {@code limits.http_max_conns_per_client}: from the next {@link #start()} on, at
     * most {@code n} connections per client address are open at once; one beyond that is answered
     * {@code 429 Too Many Requests} and closed (0 = no limit).
     */
    public synchronized ConsulFixture maxConnections(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("max connections must be >= 0");
        }
        maxConnections = n;
        return this;
    }

    /** With {@link #maxConnections}: the most connections one client had open at once (this start). */
    public synchronized int peakConnections() {
        return limit == null ? 0 : limit.peak();
    }

    /** With {@link #maxConnections}: how many connections were refused for being over the limit. */
    public synchronized long refusedConnections() {
        return limit == null ? 0 : limit.refused();
    }

    /**
     * Turns ACL enforcement on with {@code token} as the only valid token (null: off again); takes
     * effect for the next request, parked queries are not disturbed. See the class comment.
     */
    public ConsulFixture requireToken(String token) {
        if (token != null && token.isEmpty()) {
            throw new IllegalArgumentException("an empty token is no token: pass null to turn ACLs off");
        }
        requiredToken = token;
        return this;
    }

    /**
     * How many requests carried a token in each way ({@code query}, {@code header}, {@code bearer})
     * and how many were denied ({@code denied}), whatever the token.
     */
    public Map<String, Long> tokenRequests() {
        Map<String, Long> out = new TreeMap<>();
        tokenRequests.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** {@code 127.0.0.1:port}, as Consul's CLI takes it in CONSUL_HTTP_ADDR. */
    public synchronized String address() {
        return "127.0.0.1:" + port;
    }

    public synchronized int port() {
        return port;
    }

    /** The current raft-like index: the index of the last write (endpoints answer their own, at most this). */
    public synchronized long index() {
        return index;
    }

    /** How many requests were made for {@code path} (no query string), e.g. {@code /v1/catalog/services}. */
    public long requests(String path) {
        AtomicLong n = requests.get(path);
        return n == null ? 0 : n.get();
    }

    /** Every request so far, as {@code METHOD path?query}, oldest first. */
    public List<String> requestLog() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** How many blocking queries are parked right now. */
    public synchronized int parked() {
        return waiters.size();
    }

    // ---- the test's writes (each one increments the index) ----

    /**
     * Runs several writes as one step: parked queries wake only after all of them, as they would
     * for writes that reach Consul together (e.g. registrator registering a container's ports).
     */
    public synchronized void batch(Runnable writes) {
        writes.run();
    }

    /** Registers (or replaces) service instance {@code id} on {@code node}, creating or updating the node. */
    public synchronized long register(String node, String nodeAddress, String id, String service,
            String serviceAddress, int port, String... tags) {
        return register(node, nodeAddress, id, service, serviceAddress, port, List.of(tags), null);
    }

    /**
     * Like {@link #register(String, String, String, String, String, int, String...)}, with a
     * service check {@code service:<id>} in {@code checkStatus} (null: no check, i.e. passing).
     */
    public synchronized long register(String node, String nodeAddress, String id, String service,
            String serviceAddress, int port, List<String> tags, String checkStatus) {
        long i = ++index;
        upsertNode(node, nodeAddress, i);
        Svc old = services.computeIfAbsent(node, n -> new TreeMap<>()).get(id);
        putSvc(new Svc(node, id, service, List.copyOf(tags), serviceAddress == null ? "" : serviceAddress,
                port, old == null ? i : old.createIndex, i));
        if (checkStatus != null) {
            putCheck(node, "service:" + id, "Service '" + service + "' check", checkStatus, id, i);
        }
        wake();
        return i;
    }

    /** Removes service instance {@code id} from {@code node} with its checks; false if there was none. */
    public synchronized boolean deregister(String node, String id) {
        TreeMap<String, Svc> onNode = services.get(node);
        if (onNode == null || !onNode.containsKey(id)) {
            return false;
        }
        long i = ++index;
        removeSvc(onNode.get(id), i);
        TreeMap<String, Check> c = checks.get(node);
        if (c != null && c.values().removeIf(ch -> ch.serviceId.equals(id))) {
            checksIndex = i;
        }
        wake();
        return true;
    }

    /** Removes a node with its services and checks. */
    public synchronized boolean deregisterNode(String node) {
        if (nodes.remove(node) == null) {
            return false;
        }
        long i = ++index;
        nodesIndex = i;
        for (Svc s : new ArrayList<>(services.getOrDefault(node, new TreeMap<>()).values())) {
            removeSvc(s, i);
        }
        services.remove(node);
        TreeMap<String, Check> c = checks.remove(node);
        if (c != null && !c.isEmpty()) {
            checksIndex = i;
        }
        wake();
        return true;
    }

    /** Sets check {@code service:<serviceId>} on {@code node} to passing, warning or critical. */
    public synchronized void setCheck(String node, String serviceId, String status) {
        Svc s = services.getOrDefault(node, new TreeMap<>()).get(serviceId);
        if (s == null) {
            throw new IllegalArgumentException("no service " + serviceId + " on node " + node);
        }
        putCheck(node, "service:" + serviceId, "Service '" + s.name + "' check", status, serviceId, ++index);
        wake();
    }

    /** Sets the node's {@code serfHealth} check (it fails every service on the node unless passing). */
    public synchronized void setNodeCheck(String node, String status) {
        if (!nodes.containsKey(node)) {
            throw new IllegalArgumentException("no node " + node);
        }
        putCheck(node, "serfHealth", "Serf Health Status", status, "", ++index);
        wake();
    }

    public synchronized void kvPut(String key, String value) {
        putKv(key, value.getBytes(StandardCharsets.UTF_8), 0);
    }

    public synchronized boolean kvDelete(String key) {
        if (!kv.containsKey(key)) {
            return false;
        }
        removeKv(List.of(key));
        return true;
    }

    // ---- state changes (callers hold the lock) ----

    private void addBuiltins() {
        long i = index;
        nodes.put(SERVER_NODE, new Node(SERVER_NODE, "127.0.0.1", i, i));
        putSvc(new Svc(SERVER_NODE, "consul", "consul", List.of(), "", 8300, i, i));
        putCheck(SERVER_NODE, "serfHealth", "Serf Health Status", "passing", "", i);
        nodes.put(AGENT_NODE, new Node(AGENT_NODE, "127.0.0.1", i, i));
        servicesIndex = i;
        checksIndex = i;
        nodesIndex = i;
        kvIndex = i;
    }

    private void upsertNode(String node, String address, long i) {
        Node old = nodes.get(node);
        if (old == null || !old.address.equals(address)) {
            nodes.put(node, new Node(node, address, old == null ? i : old.createIndex, i));
            nodesIndex = i;
        }
    }

    /** Adds or replaces an instance, moving the services table's index and its service's. */
    private void putSvc(Svc s) {
        Svc old = services.computeIfAbsent(s.node, n -> new TreeMap<>()).put(s.id, s);
        if (old != null && !old.name.equals(s.name)) {
            forget(old, s.modifyIndex); // the instance now belongs to another service
        }
        if (old == null || !old.name.equals(s.name)) {
            instanceCounts.merge(s.name, 1, Integer::sum);
        }
        serviceIndexes.put(s.name, s.modifyIndex);
        servicesIndex = s.modifyIndex;
    }

    private void removeSvc(Svc s, long i) {
        services.get(s.node).remove(s.id);
        forget(s, i);
        servicesIndex = i;
    }

    private void forget(Svc s, long i) {
        serviceIndexes.put(s.name, i);
        if (instanceCounts.merge(s.name, -1, Integer::sum) <= 0) {
            instanceCounts.remove(s.name);
            extinctionIndex = i; // the last instance went: Consul's "service_last_extinction"
        }
    }

    private void putCheck(String node, String id, String name, String status, String serviceId, long i) {
        if (!Set.of("passing", "warning", "critical").contains(status)) {
            throw new IllegalArgumentException("check status must be passing, warning or critical: " + status);
        }
        TreeMap<String, Check> onNode = checks.computeIfAbsent(node, n -> new TreeMap<>());
        Check old = onNode.get(id);
        onNode.put(id, new Check(node, id, name, status, serviceId, old == null ? i : old.createIndex, i));
        checkChanged(node, serviceId, i);
    }

    /** A check changed: the checks table moves, and its service's index, or every service on its node. */
    private void checkChanged(String node, String serviceId, long i) {
        checksIndex = i;
        for (Svc s : services.getOrDefault(node, new TreeMap<>()).values()) {
            if (serviceId.isEmpty() || s.id.equals(serviceId)) {
                serviceIndexes.put(s.name, i);
            }
        }
    }

    private void putKv(String key, byte[] value, long flags) {
        long i = ++index;
        KvEntry old = kv.get(key);
        kv.put(key, new KvEntry(key, value, flags, old == null ? i : old.createIndex, i));
        tombstones.remove(key);
        kvIndex = i;
        wake();
    }

    private void removeKv(List<String> keys) {
        long i = ++index;
        for (String k : keys) {
            kv.remove(k);
            tombstones.put(k, i);
        }
        kvIndex = i;
        wake();
    }

    // ---- HTTP ----

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String rawQuery = ex.getRequestURI().getRawQuery();
            String method = ex.getRequestMethod();
            requests.computeIfAbsent(path, p -> new AtomicLong()).incrementAndGet();
            synchronized (log) {
                log.add(method + " " + path + (rawQuery == null ? "" : "?" + rawQuery));
            }
            Map<String, List<String>> q = query(rawQuery);
            byte[] body = ex.getRequestBody().readAllBytes();
            Answer a;
            try {
                a = denied(ex, q);
                if (a == null) {
                    a = route(method, decode(path), q, body);
                }
            } catch (IllegalArgumentException e) {
                a = new Answer(400, "text/plain", e.getMessage(), 0);
            }
            if (a == null) {
                return; // stopped while parked: the connection just closes, as when Consul dies
            }
            if (a.index > 0) {
                ex.getResponseHeaders().set("X-Consul-Index", Long.toString(a.index));
                ex.getResponseHeaders().set("X-Consul-KnownLeader", "true");
                ex.getResponseHeaders().set("X-Consul-LastContact", "0");
            }
            ex.getResponseHeaders().set("Content-Type", a.contentType);
            byte[] out = a.body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(a.status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client went away or the fixture was stopped: nothing to answer
        }
    }

    /** With ACLs on: a 403 as Consul answers it unless the request carries the token; else null. */
    private Answer denied(HttpExchange ex, Map<String, List<String>> q) {
        String given = null;
        String how = null;
        if (q.containsKey("token") && !first(q, "token").isEmpty()) {
            given = first(q, "token");
            how = "query";
        } else if (ex.getRequestHeaders().getFirst("X-Consul-Token") != null
                && !ex.getRequestHeaders().getFirst("X-Consul-Token").isEmpty()) {
            given = ex.getRequestHeaders().getFirst("X-Consul-Token");
            how = "header";
        } else if (ex.getRequestHeaders().getFirst("Authorization") != null) {
            String[] parts = ex.getRequestHeaders().getFirst("Authorization").split(" ", 2);
            if (parts.length == 2 && parts[0].equalsIgnoreCase("bearer") && !parts[1].isBlank()) {
                given = parts[1].strip();
                how = "bearer";
            }
        }
        if (how != null) {
            tokenRequests.computeIfAbsent(how, k -> new AtomicLong()).incrementAndGet();
        }
        String required = requiredToken;
        if (required == null || required.equals(given)) {
            return null;
        }
        tokenRequests.computeIfAbsent("denied", k -> new AtomicLong()).incrementAndGet();
        return new Answer(403, "text/plain", given == null ? "Permission denied" : "ACL not found", 0);
    }

    private Answer route(String method, String path, Map<String, List<String>> q, byte[] body) {
        boolean get = method.equals("GET");
        boolean put = method.equals("PUT") || method.equals("POST");
        if (path.startsWith("/v1/kv/")) {
            String key = path.substring("/v1/kv/".length());
            return switch (method) {
                case "GET" -> read(q, () -> kvEndpointIndex(key, q.containsKey("recurse")
                        || q.containsKey("keys")), () -> kvRead(key, q));
                case "PUT" -> kvWrite(key, q, body);
                case "DELETE" -> kvRemove(key, q);
                default -> methodNotAllowed();
            };
        }
        if (get && path.equals("/v1/catalog/services")) {
            return read(q, () -> servicesIndex, this::catalogServices);
        }
        if (get && path.startsWith("/v1/catalog/service/")) {
            String svc = path.substring("/v1/catalog/service/".length());
            return read(q, () -> serviceEndpointIndex(svc, false),
                    () -> catalogService(svc, q.getOrDefault("tag", List.of())));
        }
        if (get && path.equals("/v1/catalog/nodes")) {
            return read(q, () -> nodesIndex, this::catalogNodes);
        }
        if (get && path.startsWith("/v1/health/service/")) {
            String svc = path.substring("/v1/health/service/".length());
            boolean passing = q.containsKey("passing") && !"false".equals(first(q, "passing"));
            return read(q, () -> serviceEndpointIndex(svc, true),
                    () -> healthService(svc, passing, q.getOrDefault("tag", List.of())));
        }
        if (get && path.startsWith("/v1/health/state/")) {
            String state = path.substring("/v1/health/state/".length());
            if (!Set.of("any", "passing", "warning", "critical").contains(state)) {
                throw new IllegalArgumentException("Invalid state " + state);
            }
            return read(q, () -> checksIndex, () -> healthState(state));
        }
        if (put && path.equals("/v1/catalog/register")) {
            return catalogRegister(json(body));
        }
        if (put && path.equals("/v1/catalog/deregister")) {
            return catalogDeregister(json(body));
        }
        if (put && path.equals("/v1/agent/service/register")) {
            return agentRegister(json(body));
        }
        if (put && path.startsWith("/v1/agent/service/deregister/")) {
            deregister(AGENT_NODE, path.substring("/v1/agent/service/deregister/".length()));
            return new Answer(200, "application/json", "", 0);
        }
        if (get && path.equals("/v1/status/leader")) {
            return new Answer(200, "application/json", "\"127.0.0.1:8300\"", 0);
        }
        if (get && path.equals("/v1/status/peers")) {
            return new Answer(200, "application/json", "[\"127.0.0.1:8300\"]", 0);
        }
        if (get && path.equals("/v1/agent/self")) {
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("Datacenter", "dc1");
            config.put("NodeName", AGENT_NODE);
            config.put("Server", true);
            config.put("Version", "1.15.0-fixture");
            Map<String, Object> member = new LinkedHashMap<>();
            member.put("Name", AGENT_NODE);
            member.put("Addr", "127.0.0.1");
            member.put("Port", 8301);
            member.put("Status", 1);
            return new Answer(200, "application/json",
                    ConsulFixtureJson.write(Map.of("Config", config, "Member", member)), 0);
        }
        if (path.startsWith("/v1/")) {
            return new Answer(404, "text/plain", "", 0);
        }
        return new Answer(404, "text/plain", "Invalid URL path: not a /v1/ endpoint", 0);
    }

    private static Answer methodNotAllowed() {
        return new Answer(405, "text/plain", "method not allowed", 0);
    }

    /**
     * A read answering {@code endpointIndex} in {@code X-Consul-Index}, blocking until it passes
     * {@code index} if that is given; null when the fixture stopped while it was parked.
     */
    private Answer read(Map<String, List<String>> q, LongSupplier endpointIndex, Supplier<Answer> reader) {
        long min = q.containsKey("index") ? parseIndex(first(q, "index")) : 0;
        long wait = q.containsKey("wait") ? parseWait(first(q, "wait")) : DEFAULT_WAIT_MILLIS;
        long gen;
        Waiter parkedHere = null;
        synchronized (this) {
            gen = generation;
            if (min > 0 && endpointIndex.getAsLong() <= min) {
                parkedHere = new Waiter(Thread.currentThread(), endpointIndex, min);
                waiters.add(parkedHere);
            }
        }
        if (parkedHere != null) {
            // Parked outside the lock, woken by wake() only when this endpoint's index passed min.
            wait += ThreadLocalRandom.current().nextLong(wait / 16 + 1);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
            try {
                while (!parkedHere.woken) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    LockSupport.parkNanos(this, left);
                    if (Thread.interrupted()) {
                        Thread.currentThread().interrupt();
                        return null;
                    }
                }
            } finally {
                synchronized (this) {
                    waiters.remove(parkedHere);
                }
            }
        }
        synchronized (this) {
            if (gen != generation) {
                return null;
            }
            Answer a = reader.get();
            // Never 0 (Consul's rule) and never above the raft index (after resetIndex lowered it).
            long at = Math.max(1, Math.min(index, endpointIndex.getAsLong()));
            return new Answer(a.status, a.contentType, a.body, at);
        }
    }

    /** Wakes the parked queries whose endpoint's index moved (all of them when the fixture stopped). */
    private void wake() {
        for (Iterator<Waiter> i = waiters.iterator(); i.hasNext(); ) {
            Waiter w = i.next();
            if (server == null || w.index.getAsLong() > w.min) {
                i.remove();
                w.woken = true;
                LockSupport.unpark(w.thread);
            }
        }
    }

    /** Consul's {@code maxIndexForService}: see the class comment. Callers hold the lock. */
    private long serviceEndpointIndex(String name, boolean withChecks) {
        if (!instanceCounts.containsKey(name) && extinctionIndex > 0) {
            return extinctionIndex;
        }
        Long own = serviceIndexes.get(name);
        if (own != null) {
            return own;
        }
        return withChecks ? Math.max(servicesIndex, checksIndex) : servicesIndex;
    }

    /** A key's {@code ModifyIndex}, or a prefix's highest one or last delete; else the KV table's. */
    private long kvEndpointIndex(String key, boolean prefix) {
        long found = 0;
        if (!prefix) {
            KvEntry e = kv.get(key);
            found = e == null ? 0 : e.modifyIndex;
        } else if (!key.isEmpty()) {
            for (KvEntry e : kv.tailMap(key, true).values()) {
                if (!e.key.startsWith(key)) {
                    break;
                }
                found = Math.max(found, e.modifyIndex);
            }
            for (Map.Entry<String, Long> t : tombstones.tailMap(key, true).entrySet()) {
                if (!t.getKey().startsWith(key)) {
                    break;
                }
                found = Math.max(found, t.getValue());
            }
        }
        return found > 0 ? found : kvIndex;
    }

    private Answer ok(Object value) {
        return new Answer(200, "application/json", ConsulFixtureJson.write(value), index);
    }

    private Answer catalogServices() {
        TreeMap<String, Set<String>> tags = new TreeMap<>();
        for (TreeMap<String, Svc> onNode : services.values()) {
            for (Svc s : onNode.values()) {
                tags.computeIfAbsent(s.name, n -> new TreeSet<>()).addAll(s.tags);
            }
        }
        return ok(tags);
    }

    private Answer catalogService(String name, List<String> tags) {
        List<Object> out = new ArrayList<>();
        for (Svc s : instances(name, tags)) {
            Node n = nodes.get(s.node);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("ID", "");
            e.put("Node", n.name);
            e.put("Address", n.address);
            e.put("Datacenter", "dc1");
            e.put("TaggedAddresses", Map.of());
            e.put("NodeMeta", Map.of());
            e.put("ServiceKind", "");
            e.put("ServiceID", s.id);
            e.put("ServiceName", s.name);
            e.put("ServiceTags", s.tags);
            e.put("ServiceAddress", s.address);
            e.put("ServiceMeta", Map.of());
            e.put("ServicePort", s.port);
            e.put("ServiceEnableTagOverride", false);
            e.put("CreateIndex", s.createIndex);
            e.put("ModifyIndex", s.modifyIndex);
            out.add(e);
        }
        return ok(out);
    }

    private Answer catalogNodes() {
        List<Object> out = new ArrayList<>();
        for (Node n : nodes.values()) {
            out.add(nodeJson(n));
        }
        return ok(out);
    }

    private Answer healthService(String name, boolean passing, List<String> tags) {
        List<Object> out = new ArrayList<>();
        for (Svc s : instances(name, tags)) {
            List<Check> cs = new ArrayList<>();
            for (Check c : checks.getOrDefault(s.node, new TreeMap<>()).values()) {
                if (c.serviceId.isEmpty() || c.serviceId.equals(s.id)) {
                    cs.add(c);
                }
            }
            if (passing && cs.stream().anyMatch(c -> !c.status.equals("passing"))) {
                continue;
            }
            Map<String, Object> svc = new LinkedHashMap<>();
            svc.put("ID", s.id);
            svc.put("Service", s.name);
            svc.put("Tags", s.tags);
            svc.put("Address", s.address);
            svc.put("Meta", Map.of());
            svc.put("Port", s.port);
            svc.put("EnableTagOverride", false);
            svc.put("CreateIndex", s.createIndex);
            svc.put("ModifyIndex", s.modifyIndex);
            List<Object> checkJson = new ArrayList<>();
            for (Check c : cs) {
                checkJson.add(checkJson(c));
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("Node", nodeJson(nodes.get(s.node)));
            e.put("Service", svc);
            e.put("Checks", checkJson);
            out.add(e);
        }
        return ok(out);
    }

    private Answer healthState(String state) {
        List<Object> out = new ArrayList<>();
        for (TreeMap<String, Check> onNode : checks.values()) {
            for (Check c : onNode.values()) {
                if (state.equals("any") || c.status.equals(state)) {
                    out.add(checkJson(c));
                }
            }
        }
        return ok(out);
    }

    private List<Svc> instances(String name, List<String> tags) {
        List<Svc> out = new ArrayList<>();
        for (TreeMap<String, Svc> onNode : services.values()) {
            for (Svc s : onNode.values()) {
                if (s.name.equals(name) && s.tags.containsAll(tags)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    private Map<String, Object> nodeJson(Node n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", "");
        m.put("Node", n.name);
        m.put("Address", n.address);
        m.put("Datacenter", "dc1");
        m.put("TaggedAddresses", Map.of("lan", n.address, "wan", n.address));
        m.put("Meta", Map.of());
        m.put("CreateIndex", n.createIndex);
        m.put("ModifyIndex", n.modifyIndex);
        return m;
    }

    private Map<String, Object> checkJson(Check c) {
        Svc s = c.serviceId.isEmpty() ? null : services.getOrDefault(c.node, new TreeMap<>()).get(c.serviceId);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Node", c.node);
        m.put("CheckID", c.id);
        m.put("Name", c.name);
        m.put("Status", c.status);
        m.put("Notes", "");
        m.put("Output", "");
        m.put("ServiceID", c.serviceId);
        m.put("ServiceName", s == null ? "" : s.name);
        m.put("ServiceTags", s == null ? List.of() : s.tags);
        m.put("CreateIndex", c.createIndex);
        m.put("ModifyIndex", c.modifyIndex);
        return m;
    }

    private Answer kvRead(String key, Map<String, List<String>> q) {
        List<KvEntry> found = new ArrayList<>();
        if (q.containsKey("recurse") || q.containsKey("keys")) {
            for (KvEntry e : kv.tailMap(key, true).values()) {
                if (!e.key.startsWith(key)) {
                    break;
                }
                found.add(e);
            }
        } else if (kv.containsKey(key)) {
            found.add(kv.get(key));
        }
        if (found.isEmpty()) {
            return new Answer(404, "text/plain", "", index);
        }
        List<Object> out = new ArrayList<>();
        for (KvEntry e : found) {
            if (q.containsKey("keys")) {
                out.add(e.key);
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("LockIndex", 0);
            m.put("Key", e.key);
            m.put("Flags", e.flags);
            m.put("Value", e.value.length == 0 ? null : Base64.getEncoder().encodeToString(e.value));
            m.put("CreateIndex", e.createIndex);
            m.put("ModifyIndex", e.modifyIndex);
            out.add(m);
        }
        return ok(out);
    }

    private synchronized Answer kvWrite(String key, Map<String, List<String>> q, byte[] body) {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("Missing key name");
        }
        if (q.containsKey("cas")) {
            long cas = parseIndex(first(q, "cas"));
            KvEntry old = kv.get(key);
            if ((cas == 0 && old != null) || (cas != 0 && (old == null || old.modifyIndex != cas))) {
                return new Answer(200, "application/json", "false", 0);
            }
        }
        long flags = q.containsKey("flags") ? parseIndex(first(q, "flags")) : 0;
        putKv(key, body, flags);
        return new Answer(200, "application/json", "true", 0);
    }

    private synchronized Answer kvRemove(String key, Map<String, List<String>> q) {
        List<String> gone = new ArrayList<>();
        if (q.containsKey("recurse")) {
            for (String k : kv.tailMap(key, true).keySet()) {
                if (!k.startsWith(key)) {
                    break;
                }
                gone.add(k);
            }
        } else if (kv.containsKey(key)) {
            gone.add(key);
        }
        if (!gone.isEmpty()) {
            removeKv(gone);
        }
        return new Answer(200, "application/json", "true", 0);
    }

    private synchronized Answer catalogRegister(Map<String, Object> body) {
        String node = requireString(body, "Node");
        String address = requireString(body, "Address");
        long i = ++index;
        upsertNode(node, address, i);
        Map<String, Object> service = object(body.get("Service"));
        if (service != null) {
            String name = requireString(service, "Service");
            String id = string(service, "ID", name);
            Svc old = services.computeIfAbsent(node, n -> new TreeMap<>()).get(id);
            putSvc(new Svc(node, id, name, strings(service.get("Tags")),
                    string(service, "Address", ""), intValue(service.get("Port")),
                    old == null ? i : old.createIndex, i));
        }
        List<Map<String, Object>> cs = new ArrayList<>();
        if (object(body.get("Check")) != null) {
            cs.add(object(body.get("Check")));
        }
        if (body.get("Checks") instanceof List<?> l) {
            for (Object o : l) {
                cs.add(object(o));
            }
        }
        for (Map<String, Object> c : cs) {
            String serviceId = string(c, "ServiceID", "");
            String fallback = serviceId.isEmpty() ? "check" : "service:" + serviceId;
            String id = string(c, "CheckID", string(c, "Name", fallback));
            putCheck(node, id, string(c, "Name", id), string(c, "Status", "critical"), serviceId, i);
        }
        wake();
        return new Answer(200, "application/json", "true", 0);
    }

    private synchronized Answer catalogDeregister(Map<String, Object> body) {
        String node = requireString(body, "Node");
        String serviceId = string(body, "ServiceID", "");
        String checkId = string(body, "CheckID", "");
        if (!serviceId.isEmpty()) {
            deregister(node, serviceId);
        } else if (!checkId.isEmpty()) {
            TreeMap<String, Check> onNode = checks.get(node);
            if (onNode != null && onNode.containsKey(checkId)) {
                long i = ++index;
                checkChanged(node, onNode.remove(checkId).serviceId, i);
                wake();
            }
        } else {
            deregisterNode(node);
        }
        return new Answer(200, "application/json", "true", 0);
    }

    private synchronized Answer agentRegister(Map<String, Object> body) {
        String name = requireString(body, "Name");
        String id = string(body, "ID", name);
        Map<String, Object> check = object(body.get("Check"));
        if (check == null && body.get("Checks") instanceof List<?> l && !l.isEmpty()) {
            check = object(l.get(0));
        }
        register(AGENT_NODE, "127.0.0.1", id, name, string(body, "Address", ""), intValue(body.get("Port")),
                strings(body.get("Tags")), check == null ? null : string(check, "Status", "critical"));
        return new Answer(200, "application/json", "", 0);
    }

    // ---- parsing helpers ----

    private static Map<String, Object> json(byte[] body) {
        Object v = ConsulFixtureJson.parse(new String(body, StandardCharsets.UTF_8));
        Map<String, Object> m = object(v);
        if (m == null) {
            throw new IllegalArgumentException("Request decode failed: expected a JSON object");
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    private static String requireString(Map<String, Object> m, String field) {
        String s = string(m, field, "");
        if (s.isEmpty()) {
            throw new IllegalArgumentException("Must provide " + field);
        }
        return s;
    }

    private static String string(Map<String, Object> m, String field, String otherwise) {
        Object v = m.get(field);
        return v instanceof String s && !s.isEmpty() ? s : otherwise;
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) {
                out.add(String.valueOf(o));
            }
        }
        return out;
    }

    private static int intValue(Object v) {
        return v instanceof Number n ? n.intValue() : 0;
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = decode(eq < 0 ? part : part.substring(0, eq));
            String v = eq < 0 ? "" : decode(part.substring(eq + 1));
            q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return q;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String first(Map<String, List<String>> q, String k) {
        return q.get(k).get(0);
    }

    private static long parseIndex(String s) {
        try {
            return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid index: " + s);
        }
    }

    /** A Go duration ({@code 5s}, {@code 10m}, {@code 1m30s}, {@code 250ms}), capped at 10 minutes. */
    static long parseWait(String s) {
        Matcher m = DURATION.matcher(s);
        double millis = 0;
        int at = 0;
        while (at < s.length() && m.find(at) && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            millis += switch (m.group(2)) {
                case "ns" -> n / 1e6;
                case "us", "µs" -> n / 1e3;
                case "ms" -> n;
                case "s" -> n * 1e3;
                case "m" -> n * 60e3;
                default -> n * 3600e3;
            };
            at = m.end();
        }
        if (s.isEmpty() || at != s.length()) {
            throw new IllegalArgumentException("Invalid wait time");
        }
        return Math.min(MAX_WAIT_MILLIS, (long) millis);
    }

    // ---- data ----

    private record Node(String name, String address, long createIndex, long modifyIndex) {
    }

    private record Svc(String node, String id, String name, List<String> tags, String address, int port,
            long createIndex, long modifyIndex) {
    }

    private record Check(String node, String id, String name, String status, String serviceId,
            long createIndex, long modifyIndex) {
    }

    private record KvEntry(String key, byte[] value, long flags, long createIndex, long modifyIndex) {
    }

    private record Answer(int status, String contentType, String body, long index) {
    }

    /** A parked blocking query: its thread, its endpoint's index and the index it waits to pass. */
    private static final class Waiter {
        final Thread thread;
        final LongSupplier index;
        final long min;
        volatile boolean woken;

        Waiter(Thread thread, LongSupplier index, long min) {
            this.thread = thread;
            this.index = index;
            this.min = min;
        }
    }
}
