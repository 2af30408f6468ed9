package dev.lb.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import dev.lb.core.dns.Nameserver;
import dev.lb.discovery.consul.ConsulAddress;
import dev.lb.discovery.consul.ConsulSource;
import dev.lb.discovery.etcd.EtcdEndpoints;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The process configuration: {@code reference.conf} defaults, then the user's {@code lb.conf}, then
 * environment variables on top (the names the seed containers already use, SPEC section 2).
 * Every value is checked here, at start, so that a mistake names its key and stops the process.
 */
public record ProcessConfig(
        String id,
        List<Path> files,
        InetSocketAddress httpBind,
        InetSocketAddress httpsBind,
        InetSocketAddress adminBind,
        Path adminSocket,
        String adminAuth,
        Optional<InetSocketAddress> adminRuntimeBind,
        List<String> etcdEndpoints,
        Optional<String> consulAddress,
        Optional<String> consulTag,
        Optional<String> consulHostSuffix,
        Optional<String> consulToken,
        List<String> dnsServers,
        Duration dnsHoldValid,
        Duration drainTimeout,
        int threads,
        boolean tcpSplice) {

    /** The number of event loops serving connections: {@code lb.threads}, 0 meaning one per core. */
    public int eventLoops() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** The same configuration serving {@code newFiles} (the {@code -f} files) instead. */
    public ProcessConfig withFiles(List<Path> newFiles) {
        return new ProcessConfig(id, List.copyOf(newFiles), httpBind, httpsBind, adminBind, adminSocket,
                adminAuth, adminRuntimeBind, etcdEndpoints, consulAddress, consulTag, consulHostSuffix,
                consulToken, dnsServers, dnsHoldValid, drainTimeout, threads, tcpSplice);
    }

    /** The same configuration with another drain timeout. */
    public ProcessConfig withDrainTimeout(Duration timeout) {
        return new ProcessConfig(id, files, httpBind, httpsBind, adminBind, adminSocket, adminAuth,
                adminRuntimeBind, etcdEndpoints, consulAddress, consulTag, consulHostSuffix, consulToken,
                dnsServers, dnsHoldValid, timeout, threads, tcpSplice);
    }

    /** The same configuration with the admin plane on {@code bind} and the runtime API at {@code socket}. */
    public ProcessConfig withAdmin(InetSocketAddress bind, Path socket) {
        return new ProcessConfig(id, files, httpBind, httpsBind, bind, socket, adminAuth, adminRuntimeBind,
                etcdEndpoints, consulAddress, consulTag, consulHostSuffix, consulToken, dnsServers,
                dnsHoldValid, drainTimeout, threads, tcpSplice);
    }

    /** As the record would print it, but without the Consul ACL token, a secret. */
    @Override
    public String toString() {
        return "ProcessConfig[id=" + id + ", files=" + files + ", httpBind=" + httpBind + ", httpsBind="
                + httpsBind + ", adminBind=" + adminBind + ", adminSocket=" + adminSocket + ", adminAuth="
                + adminAuth + ", adminRuntimeBind=" + adminRuntimeBind + ", etcdEndpoints=" + etcdEndpoints
                + ", consulAddress=" + consulAddress + ", consulTag=" + consulTag + ", consulHostSuffix="
                + consulHostSuffix + ", consulToken=" + consulToken.map(t -> "<set>").orElse("<none>")
                + ", dnsServers=" + dnsServers + ", dnsHoldValid=" + dnsHoldValid + ", drainTimeout="
                + drainTimeout + ", threads=" + threads + ", tcpSplice=" + tcpSplice + "]";
    }

    /** Whether a discovery source is configured: then no {@code -f} means no file, not the example. */
    public boolean discovery() {
        return !etcdEndpoints.isEmpty() || consulAddress.isPresent();
    }

    /** {@code lb.etcd.endpoints} as URIs (checked at start). */
    public List<java.net.URI> etcdUris() {
        return etcdEndpoints.isEmpty() ? List.of() : EtcdEndpoints.parse(String.join(",", etcdEndpoints));
    }

    /** The etcd prefix of this instance, {@code /haproxy-<id>} (SPEC section 5). */
    public String etcdPrefix() {
        return "/haproxy-" + id;
    }

    /** {@code lb.dns.servers} as addresses, port 53 unless given; empty = the system's resolvers. */
    public List<InetSocketAddress> dnsServerAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : dnsServers) {
            out.add(Nameserver.parse(s));
        }
        return List.copyOf(out);
    }

    /** {@code lb.admin.auth} as {@code user:password} pairs (comma or space separated); empty for none. */
    public List<String> adminUsers() {
        List<String> users = new ArrayList<>();
        for (String u : adminAuth.split("[,\\s]+")) {
            if (!u.isEmpty()) {
                users.add(u);
            }
        }
        return List.copyOf(users);
    }

    /** Environment variable → key. Later entries win when both are set. */
    private static final Map<String, String> ENV_KEYS = envKeys();

    private static Map<String, String> envKeys() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("HAPROXY-ID", "lb.id"); // as the confd image spelled it
        m.put("HAPROXY_ID", "lb.id");
        m.put("LB_HTTP_BIND", "lb.http.bind");
        m.put("LB_HTTPS_BIND", "lb.https.bind");
        m.put("LB_ADMIN_BIND", "lb.admin.bind");
        m.put("LB_ADMIN_SOCKET", "lb.admin.socket");
        m.put("LB_ADMIN_AUTH", "lb.admin.auth");
        m.put("ETCD_NODE", "lb.etcd.endpoints");
        m.put("ETCD_ENDPOINTS", "lb.etcd.endpoints");
        m.put("CONSUL_HTTP_ADDR", "lb.consul.address");
        m.put("LB_CONSUL_TAG", "lb.consul.tag");
        m.put("HAPROXY_DOMAIN", "lb.consul.host-suffix");
        m.put("CONSUL_HTTP_TOKEN", "lb.consul.token"); // as Consul's CLI, consul-template, registrator
        m.put("DNS_SERVERS", "lb.dns.servers");
        m.put("LB_THREADS", "lb.threads");
        m.put("LB_TCP_SPLICE", "lb.tcp.splice");
        return m;
    }

    /** A process configuration mistake, naming the key and where its value came from. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /**
     * Loads the configuration.
     *
     * @param confFile the {@code --conf} file, if any
     * @param env the environment (System.getenv() in production)
     */
    public static ProcessConfig load(Optional<Path> confFile, Map<String, String> env) throws Invalid {
        Config reference = ConfigFactory.parseResources(ProcessConfig.class, "/reference.conf");
        Config user = ConfigFactory.empty();
        String origin = "reference.conf";
        if (confFile.isPresent()) {
            File f = confFile.get().toFile();
            if (!f.isFile()) {
                throw new Invalid(confFile.get() + ": no such file");
            }
            try {
                user = ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new Invalid(e.getMessage());
            }
            origin = confFile.get().toString();
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        Map<String, String> overrideOrigin = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : ENV_KEYS.entrySet()) {
            String v = env.get(e.getKey());
            if (v != null && !v.isBlank()) {
                overrides.put(e.getValue(), v.trim());
                overrideOrigin.put(e.getValue(), "environment variable " + e.getKey());
            }
        }
        Config merged;
        try {
            merged = ConfigFactory.parseMap(overrides, "environment").withFallback(user).withFallback(reference)
                    .resolve();
        } catch (ConfigException e) {
            throw new Invalid(e.getMessage());
        }
        rejectUnknownKeys(user, reference, origin);
        return new Reader(merged, overrideOrigin, origin).read();
    }

    private static void rejectUnknownKeys(Config user, Config reference, String origin) throws Invalid {
        Set<String> known = new java.util.HashSet<>();
        for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
            known.add(e.getKey());
        }
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("lb.") && !known.contains(key)) {
                throw new Invalid(origin + ": " + key + ": unknown key (known: " + String.join(", ",
                        new java.util.TreeSet<>(known)) + ")");
            }
        }
    }

    /** Reads typed values, turning any mistake into an {@link Invalid} that names the key. */
    private static final class Reader {
        private final Config c;
        private final Map<String, String> envOrigin;
        private final String fileOrigin;

        Reader(Config c, Map<String, String> envOrigin, String fileOrigin) {
            this.c = c;
            this.envOrigin = envOrigin;
            this.fileOrigin = fileOrigin;
        }

        ProcessConfig read() throws Invalid {
            String id = string("lb.id");
            if (id.isEmpty() || !id.matches("[A-Za-z0-9._-]+")) {
                throw bad("lb.id", "'" + id + "' must be letters, digits, '.', '_' or '-'");
            }
            List<Path> files = new ArrayList<>();
            try {
                for (String f : c.getStringList("lb.files")) {
                    files.add(Path.of(f));
                }
            } catch (ConfigException e) {
                throw bad("lb.files", "must be a list of paths");
            }
            List<String> etcd = etcd("lb.etcd.endpoints");
            Optional<String> consul = consul("lb.consul.address");
            if (!etcd.isEmpty() && consul.isPresent()) {
                // Both would serve their services on lb.http.bind, from two frontends on one port.
                throw bad("lb.consul.address", "cannot be set together with lb.etcd.endpoints; lb serves one "
                        + "discovery source (files may be added to either)");
            }
            return new ProcessConfig(
                    id,
                    List.copyOf(files),
                    bind("lb.http.bind"),
                    bind("lb.https.bind"),
                    bind("lb.admin.bind"),
                    Path.of(string("lb.admin.socket")),
                    auth("lb.admin.auth"),
                    optionalBind("lb.admin.runtime-bind"),
                    etcd,
                    consul,
                    optional("lb.consul.tag"),
                    optional("lb.consul.host-suffix"),
                    token("lb.consul.token"),
                    dnsServers("lb.dns.servers"),
                    duration("lb.dns.hold-valid"),
                    duration("lb.drain-timeout"),
                    count("lb.threads"),
                    flag("lb.tcp.splice"));
        }

        private boolean flag(String key) throws Invalid {
            try {
                return c.getBoolean(key);
            } catch (ConfigException e) {
                throw bad(key, "'" + c.getValue(key).unwrapped() + "' is not true or false");
            }
        }

        private int count(String key) throws Invalid {
            int n;
            try {
                n = c.getInt(key);
            } catch (ConfigException e) {
                throw bad(key, "'" + c.getValue(key).unwrapped() + "' is not a whole number");
            }
            if (n < 0 || n > 1024) {
                throw bad(key, n + " is out of range (0 to 1024)");
            }
            return n;
        }

        private String string(String key) throws Invalid {
            try {
                return c.getString(key).trim();
            } catch (ConfigException e) {
                throw bad(key, "must be a string");
            }
        }

        private Optional<String> optional(String key) throws Invalid {
            String v = string(key);
            return v.isEmpty() ? Optional.empty() : Optional.of(v);
        }

        private List<String> list(String key) throws Invalid {
            List<String> out = new ArrayList<>();
            for (String part : string(key).split("[,\\s]+")) {
                if (!part.isEmpty()) {
                    out.add(part);
                }
            }
            return List.copyOf(out);
        }

        private List<String> etcd(String key) throws Invalid {
            List<String> v = list(key);
            try {
                if (!v.isEmpty()) {
                    EtcdEndpoints.parse(String.join(",", v));
                }
            } catch (IllegalArgumentException e) {
                throw bad(key, e.getMessage());
            }
            return v;
        }

        private Optional<String> consul(String key) throws Invalid {
            Optional<String> v = optional(key);
            try {
                v.ifPresent(ConsulAddress::parse);
            } catch (IllegalArgumentException e) {
                throw bad(key, e.getMessage());
            }
            return v;
        }

        /** A secret: checked, never echoed in an error. */
        private Optional<String> token(String key) throws Invalid {
            Optional<String> v = optional(key);
            if (v.isPresent() && !ConsulSource.validToken(v.get())) {
                throw bad(key, "must be printable ASCII without spaces (a Consul ACL token's SecretID)");
            }
            return v;
        }

        private List<String> dnsServers(String key) throws Invalid {
            List<String> v = list(key);
            for (String s : v) {
                try {
                    Nameserver.parse(s);
                } catch (IllegalArgumentException e) {
                    throw bad(key, e.getMessage());
                }
            }
            return v;
        }

        private Duration duration(String key) throws Invalid {
            try {
                Duration d = c.getDuration(key);
                if (d.isNegative()) {
                    throw bad(key, "must not be negative");
                }
                return d;
            } catch (ConfigException e) {
                throw bad(key, "'" + c.getValue(key).unwrapped() + "' is not a duration (e.g. 30s, 500ms)");
            }
        }

        private String auth(String key) throws Invalid {
            String v = string(key);
            for (String u : v.split("[,\\s]+")) {
                if (!u.isEmpty() && u.indexOf(':') <= 0) {
                    throw bad(key, "'" + u + "' must be user:password");
                }
            }
            return v;
        }

        private Optional<InetSocketAddress> optionalBind(String key) throws Invalid {
            return string(key).isEmpty() ? Optional.empty() : Optional.of(bind(key));
        }

        private InetSocketAddress bind(String key) throws Invalid {
            String v = string(key);
            try {
                return BindAddress.parse(v);
            } catch (IllegalArgumentException e) {
                throw bad(key, e.getMessage());
            }
        }

        private Invalid bad(String key, String why) {
            String from = envOrigin.getOrDefault(key, fileOrigin);
            return new Invalid(from + ": " + key + ": " + why);
        }
    }
}
