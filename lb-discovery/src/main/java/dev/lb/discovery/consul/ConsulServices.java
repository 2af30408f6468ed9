package dev.lb.discovery.consul;

import static dev.lb.discovery.ConfigSyntax.bindText;
import static dev.lb.discovery.ConfigSyntax.regexQuote;

import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.ConfigText;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a {@link ConsulSnapshot} into haproxy.cfg text (SPEC section 6), compiled with the files by
 * the one compiler. Routes come from fabio's {@code urlprefix-} tags on the catalog's services:
 * {@code urlprefix-host/path}, {@code urlprefix-/path}, {@code urlprefix-host/}, with the options
 * {@code strip=/path} and, for {@code urlprefix-:port}, {@code proto=tcp}. An untagged service
 * {@code web} gets the Host {@code web.<host-suffix>} when a suffix is set. The servers are the
 * passing instances; a service whose instances all fail keeps its routes with no server, so they
 * answer 503 until one passes again.
 *
 * <p>Rule order follows fabio: routes that name a host come before those that do not, and within
 * each, longer paths first. Several services tagged with the same route share it: one backend
 * holds all their passing instances (named {@code a:b}), as fabio spreads such a route over them.
 */
public final class ConsulServices {

    /** The named defaults every generated section uses, tuned by the KV keys. */
    static final String DEFAULTS = "lb-consul";
    /** The frontend on lb.http.bind that routes the HTTP services (the seed templates' name). */
    public static final String HTTP_FRONTEND = "http-in";
    /** Where the seed templates read their tuning keys. */
    public static final String KV_PREFIX = "service/haproxy/";

    private static final String TAG = "urlprefix-";
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?(:[0-9]{1,5})?");
    /** Path characters that need no quoting in haproxy.cfg ('#', '$', '\', quotes and spaces do). */
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~!&()*+,;=:@%/-]*");
    private static final Pattern NAME_CHAR = Pattern.compile("[^A-Za-z0-9_.:-]");
    private static final Pattern TIMEOUT = Pattern.compile("[0-9]+(us|ms|s|m|h|d)?");
    private static final Map<String, String> TIMEOUTS = timeouts();
    private static final Pattern SPACES = Pattern.compile("\\s+");

    /** What a snapshot renders to. */
    public record Rendered(ConfigText text, List<ConfigProblem> problems, int httpRoutes, int tcpServices) {
    }

    /**
     * One HTTP route: a host (or null), a path prefix, and the prefix stripped before forwarding.
     * Ordered as fabio tries them: routes naming a host first, then longer paths first.
     */
    private record Route(String host, String path, String strip) implements Comparable<Route> {
        @Override
        public int compareTo(Route o) {
            if ((host == null) != (o.host == null)) {
                return host == null ? 1 : -1;
            }
            if (path.length() != o.path.length()) {
                return o.path.length() - path.length();
            }
            int c = host == null ? 0 : host.compareTo(o.host);
            if (c == 0) {
                c = path.compareTo(o.path);
            }
            return c != 0 ? c : String.valueOf(strip).compareTo(String.valueOf(o.strip));
        }
    }

    /** What makes a backend: the services sharing a route (sorted by name) and the prefix it strips. */
    private record BackendKey(List<String> services, String strip) {
    }

    /** A service's tags as last parsed: most changes touch a few services' instances, not their tags. */
    private record Parsed(List<String> tags, List<Route> http, List<Integer> tcp,
            List<ConfigProblem> problems) {
    }

    /** A backend's text as last rendered, for the same name, services (with their instances) and strip. */
    private record RenderedBackend(String name, List<ConsulSnapshot.Service> members, String text) {
    }

    private final String location;
    private final InetSocketAddress httpBind;
    private final Optional<String> hostSuffix;
    // Not thread-safe: ConsulPart renders on the pipeline's one thread.
    private Map<String, Parsed> parsed = new HashMap<>();
    private Map<BackendKey, RenderedBackend> renderedBackends = new HashMap<>();
    private int lastLength = 4096;

    /**
     * @param location the Consul address, named in problem reports ({@code consul:<location>/...})
     * @param httpBind lb.http.bind: the HTTP routes' listener; TCP routes bind its host
     * @param hostSuffix lb.consul.host-suffix
     */
    public ConsulServices(String location, InetSocketAddress httpBind, Optional<String> hostSuffix) {
        this.location = location;
        this.httpBind = httpBind;
        this.hostSuffix = hostSuffix.map(s -> s.startsWith(".") ? s.substring(1) : s)
                .map(s -> s.toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty());
    }

    /** The text's name in problem reports and in the table's sources. */
    public String sourceName() {
        return "consul:" + location;
    }

    /** Renders the snapshot; the same snapshot always renders the same text. */
    public Rendered render(ConsulSnapshot snapshot) {
        List<ConfigProblem> problems = new ArrayList<>();
        // Route -> the services tagged with it, in name order (the catalog's): stable names and servers.
        Map<Route, List<String>> http = new HashMap<>();
        Map<Integer, SortedSet<String>> tcp = new TreeMap<>();
        Map<String, Parsed> parsedNow = new HashMap<>();
        for (ConsulSnapshot.Service s : snapshot.services().values()) {
            Parsed p = parsed.get(s.name());
            if (p == null || !p.tags().equals(s.tags())) {
                p = parse(s);
            }
            parsedNow.put(s.name(), p);
            problems.addAll(p.problems());
            for (Route r : p.http()) {
                List<String> names = http.computeIfAbsent(r, x -> new ArrayList<>(1));
                if (names.isEmpty() || !names.get(names.size() - 1).equals(s.name())) {
                    names.add(s.name()); // a service tagging one route twice is listed once
                }
            }
            for (Integer port : p.tcp()) {
                tcp.computeIfAbsent(port, x -> new TreeSet<>()).add(s.name());
            }
        }
        parsed = parsedNow;

        StringBuilder out = new StringBuilder(lastLength + lastLength / 8);
        out.append("# rendered by lb from Consul ").append(location).append('\n');
        defaults(snapshot.kv(), out, problems);

        // One backend per distinct set of services and strip; its name is the service's when alone.
        Map<BackendKey, String> backendNames = new HashMap<>();
        Map<BackendKey, RenderedBackend> backendsNow = new HashMap<>();
        Set<String> usedNames = new HashSet<>();
        List<Route> ordered = new ArrayList<>(http.keySet());
        ordered.sort(null);
        // The rules go straight into the text, the backends after them: no copy of either.
        out.append("frontend ").append(HTTP_FRONTEND).append(" from ").append(DEFAULTS).append('\n')
                .append("    bind ").append(bindText(httpBind)).append('\n');
        StringBuilder rules = out;
        StringBuilder backends = new StringBuilder(lastLength / 2);
        String catchAll = null;
        for (Route r : ordered) {
            List<String> services = http.get(r);
            BackendKey key = new BackendKey(services, r.strip());
            String name = backendNames.get(key);
            if (name == null) {
                name = unique(services.size() == 1 ? proxyName(services.get(0))
                        : String.join(":", services.stream().map(ConsulServices::proxyName).toList()),
                                usedNames);
                backendNames.put(key, name);
                List<ConsulSnapshot.Service> members = new ArrayList<>(services.size());
                for (String svc : services) {
                    members.add(snapshot.services().get(svc));
                }
                RenderedBackend rb = renderedBackends.get(key);
                if (rb == null || !rb.name().equals(name) || !rb.members().equals(members)) {
                    StringBuilder text = new StringBuilder(128);
                    backend(name, members, r.strip(), text);
                    rb = new RenderedBackend(name, members, text.toString());
                }
                backendsNow.put(key, rb);
                backends.append(rb.text());
            }
            if (r.host() == null && r.path().equals("/")) {
                catchAll = name;
                continue;
            }
            rules.append("    use_backend ").append(name).append(" if");
            if (r.host() != null) {
                rules.append(" { hdr(host) -i ");
                hostVariants(r.host(), rules);
                rules.append(" }");
            }
            if (!r.path().equals("/")) {
                rules.append(" { path_beg ").append(r.path()).append(" }");
            }
            rules.append('\n');
        }
        if (catchAll != null) {
            out.append("    default_backend ").append(catchAll).append('\n');
        }
        out.append(backends);
        renderedBackends = backendsNow;

        for (Map.Entry<Integer, SortedSet<String>> e : tcp.entrySet()) {
            String svc = e.getValue().first();
            for (String other : e.getValue().tailSet(svc + '\0')) {
                problems.add(problem(other, "TCP port " + e.getKey() + " is taken by '" + svc + "' (the first "
                        + "by name); skipped"));
            }
            out.append("listen tcp-").append(proxyName(svc)).append(" from ").append(DEFAULTS).append('\n')
                    .append("    mode tcp\n")
                    .append("    bind ").append(bindText(new InetSocketAddress(httpBind.getAddress(),
                            e.getKey())))
                    .append('\n')
                    .append("    balance roundrobin\n");
            servers(snapshot.services().get(svc), new HashSet<>(), out);
        }
        lastLength = out.length();
        return new Rendered(new ConfigText(sourceName(), out.toString()), problems, http.size(), tcp.size());
    }

    /** The service's routes from its tags, or its host-suffix route when it has none. */
    private Parsed parse(ConsulSnapshot.Service s) {
        List<Route> http = new ArrayList<>();
        List<Integer> tcp = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        boolean tagged = false;
        for (String tag : s.tags()) {
            if (!tag.startsWith(TAG)) {
                continue;
            }
            tagged = true;
            String[] words = SPACES.split(tag.substring(TAG.length()).trim());
            String spec = words[0];
            String strip = null;
            String proto = "http";
            String bad = null;
            for (int i = 1; i < words.length && bad == null; i++) {
                String w = words[i];
                if (w.startsWith("strip=")) {
                    strip = w.substring("strip=".length());
                    if (!PATH.matcher(strip).matches() || strip.equals("/")) {
                        bad = "strip=" + strip + " must be a path prefix such as strip=/api";
                    } else if (strip.endsWith("/")) {
                        strip = strip.substring(0, strip.length() - 1);
                    }
                } else if (w.startsWith("proto=")) {
                    proto = w.substring("proto=".length()).toLowerCase(Locale.ROOT);
                    if (!proto.equals("http") && !proto.equals("tcp")) {
                        bad = "proto=" + proto + " is not supported (http and tcp are)";
                    }
                } else {
                    bad = "option '" + w + "' is not supported (strip= and proto= are)";
                }
            }
            if (bad == null && spec.startsWith(":")) {
                int port = port(spec.substring(1));
                if (!proto.equals("tcp")) {
                    bad = "'" + spec + "' is a TCP route: it needs proto=tcp";
                } else if (port < 0) {
                    bad = "'" + spec + "' is not a port (1 to 65535)";
                } else if (port == httpBind.getPort()) {
                    bad = "port " + port + " is lb.http.bind's port";
                } else {
                    tcp.add(port);
                    continue;
                }
            }
            if (bad == null && proto.equals("tcp")) {
                bad = "proto=tcp needs a route of the form urlprefix-:PORT";
            }
            Route route = null;
            if (bad == null) {
                int slash = spec.indexOf('/');
                String host = slash < 0 ? spec : spec.substring(0, slash);
                String path = slash < 0 ? "/" : spec.substring(slash);
                if (!host.isEmpty() && !HOST.matcher(host).matches()) {
                    bad = "'" + host + "' is not a host name";
                } else if (!PATH.matcher(path).matches()) {
                    bad = "'" + path + "' is not a path lb can match";
                } else {
                    route = new Route(host.isEmpty() ? null : host.toLowerCase(Locale.ROOT), path, strip);
                }
            }
            if (bad != null) {
                problems.add(problem(s.name(), "tag '" + tag + "' skipped: " + bad));
                continue;
            }
            http.add(route);
        }
        if (!tagged && hostSuffix.isPresent()) {
            String host = s.name().toLowerCase(Locale.ROOT) + "." + hostSuffix.get();
            if (HOST.matcher(host).matches()) {
                http.add(new Route(host, "/", null));
            } else {
                problems.add(problem(s.name(), "'" + host + "' is not a host name; the service has no route"));
            }
        }
        return new Parsed(s.tags(), List.copyOf(http), List.copyOf(tcp), List.copyOf(problems));
    }

    /** The defaults section, with the KV keys' values where they are valid. */
    private void defaults(Map<String, String> kv, StringBuilder out, List<ConfigProblem> problems) {
        out.append("defaults ").append(DEFAULTS).append('\n').append("    mode http\n");
        for (Map.Entry<String, String> t : TIMEOUTS.entrySet()) {
            String key = "timeouts/" + t.getKey();
            String value = kv.getOrDefault(key, "").trim();
            if (!value.isEmpty() && !TIMEOUT.matcher(value).matches()) {
                problems.add(new ConfigProblem(sourceName() + "/" + KV_PREFIX + key, 0, "'" + value
                        + "' is not a time such as 5000 (ms) or 5s; using " + t.getValue()));
                value = "";
            }
            out.append("    timeout ").append(t.getKey()).append(' ')
                    .append(value.isEmpty() ? t.getValue() : value).append('\n');
        }
        String maxconn = kv.getOrDefault("maxconn", "").trim();
        if (!maxconn.isEmpty()) {
            if (maxconn.matches("[1-9][0-9]{0,8}")) {
                out.append("    maxconn ").append(maxconn).append('\n');
            } else {
                problems.add(new ConfigProblem(sourceName() + "/" + KV_PREFIX + "maxconn", 0, "'" + maxconn
                        + "' is not a number of connections; ignored"));
            }
        }
        out.append("    option forwardfor\n");
    }

    private static Map<String, String> timeouts() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("connect", "5s");
        m.put("client", "50s");
        m.put("server", "50s");
        return m;
    }

    private static void backend(String name, List<ConsulSnapshot.Service> members, String strip,
            StringBuilder out) {
        out.append("backend ").append(name).append(" from ").append(DEFAULTS).append('\n')
                .append("    balance roundrobin\n");
        if (strip != null) {
            // fabio's strip: the prefix goes, the rest stays; /api alone becomes /, and /apix is untouched.
            String quoted = regexQuote(strip);
            out.append("    http-request replace-path ^").append(quoted).append("$ /\n")
                    .append("    http-request replace-path ^").append(quoted).append("(/.*)$ \\1\n");
        }
        Set<String> names = new HashSet<>();
        for (ConsulSnapshot.Service s : members) {
            servers(s, names, out);
        }
    }

    private static void servers(ConsulSnapshot.Service s, Set<String> names, StringBuilder out) {
        for (ConsulSnapshot.Instance i : s.passing()) {
            String host = i.address();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
            if (i.port() < 1 || i.port() > 65535 || (ip == null && !HOST.matcher(host).matches())) {
                continue; // Consul accepts what no proxy can reach; the instance cannot serve
            }
            String id = i.id().isEmpty() ? i.node() + ":" + i.port() : i.id();
            out.append("    server ").append(unique(NAME_CHAR.matcher(id).replaceAll("_"), names)).append(' ')
                    .append(ip != null && ip.length == 16 ? "[" + host + "]" : host).append(':')
                    .append(i.port());
            if (ip == null) {
                out.append(" resolvers default");
            }
            out.append('\n');
        }
    }

    private static void hostVariants(String host, StringBuilder out) {
        out.append(host);
        if (host.indexOf(':') < 0) {
            out.append(' ').append(host).append(":80 ").append(host).append(":443");
        }
    }

    private static String proxyName(String service) {
        return NAME_CHAR.matcher(service).replaceAll("_");
    }

    private static String unique(String name, Set<String> used) {
        String n = name;
        for (int i = 2; !used.add(n); i++) {
            n = name + "-" + i;
        }
        return n;
    }

    private static int port(String text) {
        if (!text.matches("[0-9]{1,5}")) {
            return -1;
        }
        int p = Integer.parseInt(text);
        return p >= 1 && p <= 65535 ? p : -1;
    }

    private ConfigProblem problem(String service, String message) {
        return new ConfigProblem(sourceName() + "/" + service, 0, message);
    }
}
