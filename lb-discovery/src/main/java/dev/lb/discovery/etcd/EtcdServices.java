package dev.lb.discovery.etcd;

import static dev.lb.discovery.ConfigSyntax.addressText;
import static dev.lb.discovery.ConfigSyntax.bindText;
import static dev.lb.discovery.ConfigSyntax.regexQuote;

import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.ConfigText;
import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.DnsTarget;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Turns the confd key layout under {@code /haproxy-<id>/} (SPEC section 5) into haproxy.cfg
 * text, the same text a confd template would have rendered, so that it is compiled and checked
 * with the files by the one compiler. A service that lacks a key is reported and left out; a
 * service whose value turns invalid keeps the version last rendered from valid values (a typo
 * in {@code etcdctl put} never takes a working route away). Not thread-safe: the pipeline calls
 * it from its one thread.
 */
public final class EtcdServices {

    /** The named defaults every generated section uses, so that no file's defaults leak in. */
    static final String DEFAULTS = "lb-etcd";
    /** The frontend on lb.http.bind that routes the HTTP services. */
    public static final String HTTP_FRONTEND = "http-in";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9*_-][A-Za-z0-9_.-]*");
    private static final Set<String> BALANCE = Set.of("roundrobin", "leastconn", "source", "first");

    /** What the keys render to. */
    public record Rendered(ConfigText text, Set<DnsQuery> dnsQueries, List<ConfigProblem> problems,
            Map<String, String> certificates, int httpServices, int tcpServices) {
    }

    /** One service's generated lines, kept to stand in while its keys are invalid. */
    private record Fragment(String rule, String sortKey, String backend) {
    }

    private final String prefix;
    private final boolean incremental;
    private final InetSocketAddress httpBind;
    /**
     * A service as last rendered, reused while its keys and the DNS answer it read are the
     * same: one change in a table of 10,000 services renders one service, not 10,000.
     */
    private record Cached(Map<String, String> keys, DnsQuery query, DnsAnswer answer, Fragment fragment,
            List<ConfigProblem> problems) {
    }

    private final Map<String, Fragment> lastGoodHttp = new HashMap<>();
    /**
     * The keys last rendered and their services as grouped then: the next snapshot differs by a
     * few keys, so only the services those keys belong to are grouped again.
     */
    private SortedMap<String, String> lastKeys = new TreeMap<>();
    private SortedMap<String, Map<String, String>> lastHttpGroups = new TreeMap<>();
    private SortedMap<String, Map<String, String>> lastTcpGroups = new TreeMap<>();
    private int lastLength = 1024;

    /** Services grouped, and whether one of the last render's is gone (the caches must forget it). */
    private record Grouping(SortedMap<String, Map<String, String>> services, boolean removedAny) {
    }
    private final Map<String, Cached> httpCache = new HashMap<>();
    /** A TCP service's last valid section and the port it listens on. */
    private record TcpSection(int external, String text) {
    }

    private final Map<String, TcpSection> lastGoodTcp = new HashMap<>();

    /**
     * @param prefix the watched prefix, e.g. {@code /haproxy-haproxy-1}, for problem locations
     * @param httpBind lb.http.bind: the HTTP services' listener; TCP services bind its host
     */
    public EtcdServices(String prefix, InetSocketAddress httpBind) {
        this(prefix, httpBind, true);
    }

    /** With {@code incremental} false every render groups all keys again (tests compare the two). */
    EtcdServices(String prefix, InetSocketAddress httpBind, boolean incremental) {
        this.incremental = incremental;
        this.prefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        this.httpBind = httpBind;
    }

    /** The text's name in problem reports and in the table's sources. */
    public String sourceName() {
        return "etcd:" + prefix;
    }

    /**
     * Renders {@code keys} (relative to the prefix) with the DNS answers known now. The keys must
     * not change afterwards (an {@link EtcdSnapshot}'s never do): the next render reads what
     * changed since by comparing the two.
     */
    public Rendered render(SortedMap<String, String> keys, DnsLookup dns) {
        Grouping httpGrouping = regroup(keys, "services/", lastKeys, lastHttpGroups);
        Grouping tcpGrouping = regroup(keys, "tcp-services/", lastKeys, lastTcpGroups);
        SortedMap<String, Map<String, String>> http = httpGrouping.services();
        SortedMap<String, Map<String, String>> tcp = tcpGrouping.services();
        lastKeys = keys;
        lastHttpGroups = http;
        lastTcpGroups = tcp;
        Map<String, String> certs = new TreeMap<>();
        keys.subMap("certs/", "certs/" + Character.MAX_VALUE).forEach((k, v) -> {
            if (k.length() > "certs/".length()) {
                certs.put(k.substring("certs/".length()), v);
            }
        });
        List<ConfigProblem> problems = new ArrayList<>();
        Set<DnsQuery> queries = new LinkedHashSet<>();
        // Sized from the last text: a table of 10,000 services is 1.6 MB, grown 20 times otherwise.
        StringBuilder out = new StringBuilder(lastLength + lastLength / 8);
        // No revision here: a change outside the services (a certificate, a no-op) must render
        // the same text, so that it publishes no new table. The source's state carries it.
        out.append("# rendered by lb from etcd ").append(prefix).append("/\n");
        out.append("defaults ").append(DEFAULTS).append('\n')
                .append("    mode http\n")
                .append("    timeout connect 5s\n")
                .append("    timeout client 50s\n")
                .append("    timeout server 50s\n")
                .append("    option forwardfor\n");

        List<Fragment> fragments = new ArrayList<>();
        if (httpGrouping.removedAny()) {
            // Otherwise the services are those of the last render plus new ones: nothing to forget.
            lastGoodHttp.keySet().retainAll(http.keySet());
            httpCache.keySet().retainAll(http.keySet());
        }
        for (Map.Entry<String, Map<String, String>> e : http.entrySet()) {
            Fragment f = cachedHttpService(e.getKey(), e.getValue(), dns, queries, problems);
            if (f != null) {
                fragments.add(f);
            }
        }
        fragments.sort(Comparator.comparing(Fragment::sortKey));
        out.append("frontend ").append(HTTP_FRONTEND).append(" from ").append(DEFAULTS).append('\n')
                .append("    bind ").append(bindText(httpBind)).append('\n');
        fragments.forEach(f -> out.append(f.rule()));
        fragments.forEach(f -> out.append(f.backend()));

        if (tcpGrouping.removedAny()) {
            lastGoodTcp.keySet().retainAll(tcp.keySet());
        }
        Map<Integer, String> ports = new HashMap<>();
        int tcpCount = 0;
        for (Map.Entry<String, Map<String, String>> e : tcp.entrySet()) {
            String section = tcpService(e.getKey(), e.getValue(), dns, queries, problems, ports);
            if (section != null) {
                out.append(section);
                tcpCount++;
            }
        }
        lastLength = out.length();
        return new Rendered(new ConfigText(sourceName(), out.toString()), queries, problems, certs,
                fragments.size(), tcpCount);
    }

    /**
     * {@link #group}, computed from the grouping of {@code before}: services none of whose keys
     * changed keep their map from then (the same instance, which the render cache compares first).
     */
    private Grouping regroup(SortedMap<String, String> keys, String root,
            SortedMap<String, String> before, SortedMap<String, Map<String, String>> groupsBefore) {
        if (!incremental || groupsBefore.isEmpty() || keys == before || keys.comparator() != null
                || before.comparator() != null) {
            // The merge walk needs two different maps, both in String order.
            return new Grouping(group(keys.subMap(root, root + Character.MAX_VALUE), root),
                    !groupsBefore.isEmpty());
        }
        Set<String> changed = new LinkedHashSet<>();
        Iterator<Map.Entry<String, String>> now = keys.subMap(root, root + Character.MAX_VALUE)
                .entrySet().iterator();
        Iterator<Map.Entry<String, String>> then = before.subMap(root, root + Character.MAX_VALUE)
                .entrySet().iterator();
        Map.Entry<String, String> a = now.hasNext() ? now.next() : null;
        Map.Entry<String, String> b = then.hasNext() ? then.next() : null;
        // Both are sorted by key: one merge walk finds the added, removed and changed keys.
        while (a != null || b != null) {
            int order = a == null ? 1 : b == null ? -1 : a.getKey().compareTo(b.getKey());
            if (order == 0) {
                if (!a.getValue().equals(b.getValue())) {
                    serviceOf(a.getKey(), root, changed);
                }
                a = now.hasNext() ? now.next() : null;
                b = then.hasNext() ? then.next() : null;
            } else if (order < 0) {
                serviceOf(a.getKey(), root, changed);
                a = now.hasNext() ? now.next() : null;
            } else {
                serviceOf(b.getKey(), root, changed);
                b = then.hasNext() ? then.next() : null;
            }
        }
        if (changed.isEmpty()) {
            return new Grouping(groupsBefore, false);
        }
        boolean removed = false;
        SortedMap<String, Map<String, String>> out = new TreeMap<>(groupsBefore);
        for (String svc : changed) {
            String from = root + svc + "/";
            Map<String, String> k = group(keys.subMap(from, from + Character.MAX_VALUE), root).get(svc);
            if (k == null) {
                removed |= out.remove(svc) != null;
            } else {
                out.put(svc, k);
            }
        }
        return new Grouping(out, removed);
    }

    /** Adds the service {@code key} belongs to, if it is a service's key. */
    private static void serviceOf(String key, String root, Set<String> services) {
        int slash = key.indexOf('/', root.length());
        if (slash > root.length()) {
            services.add(key.substring(root.length(), slash));
        }
    }

    /** The services of {@code keys} (all under {@code root}), each with its keys below it. */
    private static SortedMap<String, Map<String, String>> group(SortedMap<String, String> keys, String root) {
        SortedMap<String, Map<String, String>> out = new TreeMap<>();
        for (Map.Entry<String, String> e : keys.entrySet()) {
            String rest = e.getKey().substring(root.length());
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                continue;
            }
            out.computeIfAbsent(rest.substring(0, slash), s -> new TreeMap<>())
                    .put(rest.substring(slash + 1), e.getValue().trim());
        }
        return out;
    }

    private Fragment cachedHttpService(String svc, Map<String, String> k, DnsLookup dns, Set<DnsQuery> queries,
            List<ConfigProblem> problems) {
        Cached c = httpCache.get(svc);
        if (c != null && c.keys().equals(k) && (c.query() == null || Objects.equals(dns.lookup(c.query()),
                c.answer()))) {
            if (c.query() != null) {
                queries.add(c.query());
            }
            problems.addAll(c.problems());
            return c.fragment();
        }
        Set<DnsQuery> mineQueries = new LinkedHashSet<>();
        List<ConfigProblem> mineProblems = new ArrayList<>();
        Fragment f = httpService(svc, k, dns, mineQueries, mineProblems);
        DnsQuery q = mineQueries.isEmpty() ? null : mineQueries.iterator().next();
        httpCache.put(svc, new Cached(k, q, q == null ? null : dns.lookup(q), f, List.copyOf(mineProblems)));
        queries.addAll(mineQueries);
        problems.addAll(mineProblems);
        return f;
    }

    private Fragment httpService(String svc, Map<String, String> k, DnsLookup dns, Set<DnsQuery> queries,
            List<ConfigProblem> problems) {
        String where = "services/" + svc;
        if (!NAME.matcher(svc).matches()) {
            problems.add(problem(where, "service name '" + svc + "' may only hold letters, digits, '-', '_' "
                    + "and '.'; skipped"));
            return null;
        }
        String domain = k.get("domain");
        String urlBeg = k.get("url_beg");
        if (k.get("port") == null || (domain == null && urlBeg == null)) {
            problems.add(problem(where, "incomplete service: it needs 'port' and 'domain' or 'url_beg'"
                    + " (has " + String.join(", ", k.keySet()) + "); skipped"));
            return null;
        }
        List<ConfigProblem> mine = new ArrayList<>();
        int port = port(k.get("port"), where + "/port", mine);
        String balance = balance(k.get("balance"), where + "/balance", mine);
        List<String> domains = new ArrayList<>();
        if (domain != null) {
            for (String d : domain.split("[,\\s]+")) {
                if (d.isEmpty()) {
                    continue;
                }
                if (!DOMAIN.matcher(d).matches()) {
                    mine.add(problem(where + "/domain", "'" + d + "' is not a host name"));
                }
                String lower = d.toLowerCase(Locale.ROOT);
                domains.add(lower);
                domains.add(lower + ":80");
                domains.add(lower + ":443");
            }
        }
        boolean strip = !"false".equalsIgnoreCase(k.getOrDefault("strip", "true"));
        if (urlBeg != null && (!urlBeg.startsWith("/") || urlBeg.chars().anyMatch(c -> c <= ' '))) {
            mine.add(problem(where + "/url_beg", "'" + urlBeg + "' must be a path starting with '/'"));
        }
        String servers = servers(svc, k, port, where, dns, queries, mine);
        if (!mine.isEmpty()) {
            problems.addAll(mine);
            Fragment last = lastGoodHttp.get(svc);
            if (last != null) {
                problems.add(problem(where, "keeps serving its last valid settings"));
            }
            return last;
        }
        StringBuilder cond = new StringBuilder();
        if (!domains.isEmpty()) {
            cond.append(" { hdr(host) -i ").append(String.join(" ", domains)).append(" }");
        }
        if (urlBeg != null) {
            cond.append(" { path_beg ").append(urlBeg).append(" }");
        }
        StringBuilder backend = new StringBuilder();
        backend.append("backend ").append(svc).append(" from ").append(DEFAULTS).append('\n')
                .append("    balance ").append(balance).append('\n');
        if (urlBeg != null && strip && !urlBeg.equals("/")) {
            // As the confd template's reqrep did: /api/users reaches the service as /users.
            String p = urlBeg.endsWith("/") ? urlBeg.substring(0, urlBeg.length() - 1) : urlBeg;
            backend.append("    http-request replace-path ^").append(regexQuote(p)).append("/?(.*)$ /\\1\n");
        }
        backend.append(servers);
        // Longer prefixes first (a service without url_beg has the empty prefix); at equal
        // prefixes a service that also names the host comes before one that does not.
        int len = urlBeg == null ? 0 : urlBeg.length();
        String sortKey = String.format("%08d", 99_999_999 - len) + (domains.isEmpty() ? 1 : 0) + svc;
        Fragment f = new Fragment("    use_backend " + svc + " if" + cond + "\n", sortKey, backend.toString());
        lastGoodHttp.put(svc, f);
        return f;
    }

    private String tcpService(String svc, Map<String, String> k, DnsLookup dns, Set<DnsQuery> queries,
            List<ConfigProblem> problems, Map<Integer, String> ports) {
        String where = "tcp-services/" + svc;
        if (!NAME.matcher(svc).matches()) {
            problems.add(problem(where, "service name '" + svc + "' may only hold letters, digits, '-', '_' "
                    + "and '.'; skipped"));
            return null;
        }
        if (k.get("external_port") == null || k.get("internal_port") == null) {
            problems.add(problem(where, "incomplete TCP service: it needs 'external_port' and 'internal_port'"
                    + " (has " + String.join(", ", k.keySet()) + "); skipped"));
            return null;
        }
        List<ConfigProblem> mine = new ArrayList<>();
        int external = port(k.get("external_port"), where + "/external_port", mine);
        int internal = port(k.get("internal_port"), where + "/internal_port", mine);
        String balance = balance(k.get("balance"), where + "/balance", mine);
        String servers = servers(svc, k, internal, where, dns, queries, mine);
        if (mine.isEmpty() && external == httpBind.getPort()) {
            mine.add(problem(where + "/external_port", external + " is lb.http.bind's port"));
        }
        String section;
        if (mine.isEmpty()) {
            section = "listen tcp-" + svc + " from " + DEFAULTS + "\n"
                    + "    mode tcp\n"
                    + "    bind " + bindText(new InetSocketAddress(httpBind.getAddress(), external)) + "\n"
                    + "    balance " + balance + "\n"
                    + servers;
            lastGoodTcp.put(svc, new TcpSection(external, section));
        } else {
            problems.addAll(mine);
            TcpSection last = lastGoodTcp.get(svc);
            if (last == null) {
                return null;
            }
            problems.add(problem(where, "keeps serving its last valid settings"));
            section = last.text();
            external = last.external();
        }
        String other = ports.putIfAbsent(external, svc);
        if (other != null) {
            problems.add(problem(where + "/external_port", "port " + external + " is already taken by "
                    + "tcp-services/" + other + "; skipped"));
            return null;
        }
        return section;
    }

    /**
     * The server lines: {@code servers/<id>} as {@code host:port} or {@code host} (then the
     * service's port), or, without any, every address the service's own name resolves to.
     */
    private String servers(String svc, Map<String, String> k, int port, String where, DnsLookup dns,
            Set<DnsQuery> queries, List<ConfigProblem> problems) {
        StringBuilder out = new StringBuilder();
        boolean any = false;
        for (Map.Entry<String, String> e : k.entrySet()) {
            if (!e.getKey().startsWith("servers/")) {
                continue;
            }
            any = true;
            String id = e.getKey().substring("servers/".length());
            String value = e.getValue();
            if (!NAME.matcher(id).matches()) {
                problems.add(problem(where + "/" + e.getKey(), "server id '" + id + "' may only hold letters, "
                        + "digits, '-', '_' and '.'"));
                continue;
            }
            String host = value;
            int p = port;
            int colon = value.lastIndexOf(':');
            boolean v6 = value.startsWith("[") || value.indexOf(':') != colon;
            if (colon > 0 && (!v6 || value.startsWith("["))) {
                host = value.substring(0, colon);
                p = port(value.substring(colon + 1), where + "/" + e.getKey(), problems);
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
            if (ip == null && !DOMAIN.matcher(host).matches()) {
                problems.add(problem(where + "/" + e.getKey(), "'" + value + "' is not host:port"));
                continue;
            }
            if (p <= 0) {
                continue;
            }
            String addr = (ip != null && ip.length == 16 ? "[" + host + "]" : host) + ":" + p;
            out.append("    server ").append(id).append(' ').append(addr);
            if (ip == null) {
                // A name: resolved and followed at run time, like the services without servers.
                out.append(" resolvers ").append(DnsQuery.DEFAULT);
            }
            out.append('\n');
        }
        if (!any && port > 0) {
            DnsQuery q = new DnsQuery(DnsQuery.DEFAULT, svc);
            queries.add(q);
            DnsAnswer a = dns.lookup(q);
            if (a != null) {
                Set<String> seen = new LinkedHashSet<>();
                for (DnsTarget t : a.targets()) {
                    String addr = addressText(t.address()) + ":" + (t.port() != 0 ? t.port() : port);
                    if (seen.add(addr)) {
                        out.append("    server ").append(addr).append(' ').append(addr).append('\n');
                    }
                }
            }
        }
        return out.toString();
    }

    private int port(String text, String where, List<ConfigProblem> problems) {
        try {
            int p = Integer.parseInt(text.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(problem(where, "'" + text + "' is not a port (1 to 65535)"));
        return -1;
    }

    private String balance(String text, String where, List<ConfigProblem> problems) {
        if (text == null || text.isEmpty()) {
            return "roundrobin";
        }
        String b = text.trim().toLowerCase(Locale.ROOT);
        if (!BALANCE.contains(b)) {
            problems.add(problem(where, "'" + text + "' is not one of roundrobin, leastconn, source, first"));
        }
        return b;
    }

    private ConfigProblem problem(String key, String message) {
        return new ConfigProblem("etcd:" + prefix + "/" + key, 0, message);
    }

}
