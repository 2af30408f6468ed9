package dev.lb.core.config;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.action.TcpRequestRule;
import dev.lb.core.match.Condition;
import dev.lb.core.match.Conditions;
import dev.lb.core.match.Fetch;
import dev.lb.core.match.Userlist;
import dev.lb.core.route.Rule;
import dev.lb.core.stats.ProxyCounters;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Bind;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.Mode;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import dev.lb.core.table.StatsSection;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Compiles haproxy.cfg texts into a {@link RoutingTable}: reads the sections, applies each
 * proxy's directives on top of its {@code defaults}, then resolves backend names and checks
 * what only the whole configuration can tell (duplicate names, colliding binds, modes).
 */
final class TableCompiler {

    private final HostResolver resolver;
    private final Map<String, String> environment;
    private final DnsLookup dns;

    TableCompiler(HostResolver resolver, Map<String, String> environment) {
        this(resolver, environment, DnsLookup.NONE);
    }

    TableCompiler(HostResolver resolver, Map<String, String> environment, DnsLookup dns) {
        this.resolver = resolver;
        this.environment = environment;
        this.dns = dns;
    }

    LoadResult compile(List<ConfigText> texts) throws ConfigException {
        return compile(texts, RoutingTable.EMPTY);
    }

    /**
     * Compiles {@code texts}; servers that {@code previous} also has keep their run-time state,
     * and frontends, backends and servers it also has (by name) keep their counters.
     */
    LoadResult compile(List<ConfigText> texts, RoutingTable previous) throws ConfigException {
        Problems problems = new Problems();
        List<Section> sections = new ConfigReader(new ConfigEnvironment(environment), problems).read(texts);
        Map<String, Userlist> userlists = Userlists.read(sections, problems);
        DnsContext dnsContext = new DnsContext(dns, ResolversSections.read(sections, problems), previous);
        List<ProxyDraft> proxies = readProxies(sections, userlists, dnsContext, problems);
        checkNames(proxies, problems);
        Map<String, Backend> backends = new LinkedHashMap<>(proxies.size() * 2);
        Map<String, ProxyDraft> backendDrafts = new HashMap<>(proxies.size() * 2);
        List<StatsSection> stats = new ArrayList<>();
        for (ProxyDraft d : proxies) {
            if (d.isStatsOnly()) {
                // The admin plane serves this section and applies no http-request rule: an auth
                // rule silently dropped would leave the page open.
                d.authLines.forEach(l -> problems.error(l, "the stats page of " + d.kind().keyword() + " '"
                        + d.name() + "' does not apply 'http-request auth'; use 'stats http-request auth "
                        + "unless { http_auth(LIST) }' or 'stats auth USER:PASS'"));
                statsSection(d, userlists).ifPresent(stats::add);
                continue;
            }
            if (d.statsLine != null) {
                problems.warn(d.statsLine, "lb serves the stats page only from a section of its own (such as "
                        + "'listen stats' with a bind and no servers); 'stats' lines of " + d.kind().keyword()
                        + " '" + d.name() + "' are ignored");
            }
            if (mode(d) == Mode.HTTP) {
                checkHttpProxy(d);
            } else if (d.kind() == SectionKind.BACKEND || d.binds.isEmpty()) {
                checkTcpProxy(d, d.kind() == SectionKind.LISTEN ? "proxy" : "backend");
            } else {
                checkTcpProxy(d, d.kind() == SectionKind.LISTEN ? "proxy" : "frontend");
            }
            if (d.kind().hasBackend()) {
                checkHttpCheck(d);
                backends.putIfAbsent(d.name(), backend(d, previous));
                backendDrafts.putIfAbsent(d.name(), d);
            }
        }
        List<Frontend> frontends = new ArrayList<>();
        Map<InetSocketAddress, ConfigLine> bound = new HashMap<>();
        for (ProxyDraft d : proxies) {
            if (d.isStatsOnly()) {
                // The admin plane listens there: it must not collide with a frontend either.
                checkBinds(d, bound, problems);
                continue;
            }
            if (!d.kind().hasFrontend()) {
                continue;
            }
            if (d.binds.isEmpty()) {
                if (d.kind() == SectionKind.FRONTEND) {
                    problems.warn(d.section.header(), "frontend '" + d.name() + "' has no 'bind' directive, so "
                            + "it receives no traffic");
                }
                continue;
            }
            checkBinds(d, bound, problems);
            frontends.add(frontend(d, backends, proxies, problems, previous));
        }
        if (problems.hasErrors()) {
            // A rejected file that also lacks its last newline was most likely cut short: say so
            // among the errors, where `lb reload` shows it.
            List<ConfigProblem> errors = new java.util.ArrayList<>(problems.errors());
            problems.warnings().stream().filter(w -> w.message().startsWith(ConfigReader.MISSING_LF))
                    .forEach(errors::add);
            throw new ConfigException(inFileOrder(errors, texts));
        }
        List<String> sources = texts.stream().map(ConfigText::name).toList();
        return new LoadResult(new RoutingTable(0, sources, frontends, List.copyOf(backends.values()), stats),
                inFileOrder(problems.warnings(), texts), dnsContext.asked(), dnsContext.sections());
    }

    /**
     * Problems sorted by file (in the order given) then line, so that a report reads like the
     * configuration even though name resolution finds some of them after the whole read.
     */
    private static List<ConfigProblem> inFileOrder(List<ConfigProblem> problems, List<ConfigText> texts) {
        List<String> files = texts.stream().map(ConfigText::name).toList();
        return problems.stream()
                .sorted(Comparator.comparingInt((ConfigProblem p) -> files.indexOf(p.file()))
                        .thenComparingInt(ConfigProblem::line))
                .toList();
    }

    /** Applies every section in order; returns the proxies with their defaults applied. */
    private List<ProxyDraft> readProxies(List<Section> sections, Map<String, Userlist> userlists,
            DnsContext dnsContext, Problems problems) {
        AddressParser addresses = new AddressParser(resolver, problems);
        ProxySettings lastDefaults = new ProxySettings();
        Map<String, ProxySettings> namedDefaults = new HashMap<>();
        DefaultsUse defaultsUse = new DefaultsUse(problems);
        Section lastDefaultsSection = null;
        List<ProxyDraft> proxies = new ArrayList<>();
        for (Section s : sections) {
            switch (s.kind()) {
                case GLOBAL -> GlobalSection.apply(s, problems);
                case DEFAULTS, FRONTEND, BACKEND, LISTEN -> {
                    ProxySettings base = s.kind() == SectionKind.DEFAULTS ? new ProxySettings() : lastDefaults;
                    if (s.from().isEmpty() && s.kind() != SectionKind.DEFAULTS) {
                        defaultsUse.implicit(lastDefaultsSection, s);
                    } else if (!s.from().isEmpty()) {
                        defaultsUse.explicit(s.from(), s);
                        base = namedDefaults.get(s.from());
                        if (base == null) {
                            problems.error(s.header(), "no defaults section named '" + s.from()
                                    + "' before this line");
                            base = new ProxySettings();
                        }
                    }
                    ProxyDraft d = new ProxyDraft(s, base.copy(), problems, addresses, userlists, dnsContext);
                    for (ConfigLine line : s.body()) {
                        DirectiveTable.apply(d, line);
                    }
                    if (s.kind() == SectionKind.DEFAULTS) {
                        lastDefaults = d.settings;
                        lastDefaultsSection = s;
                        if (!s.name().isEmpty()) {
                            namedDefaults.put(s.name(), d.settings);
                        }
                    } else {
                        proxies.add(d);
                    }
                }
                case RESOLVERS, USERLIST -> {
                    // Read before the proxies, which may name a section declared later.
                }
                default -> problems.error(s.header(),
                        "'" + s.kind().keyword() + "' sections are not implemented yet");
            }
        }
        return proxies;
    }

    /**
     * Frontends and listens share one name space, backends and listens another; a frontend and
     * a backend may share a name (HAProxy 2.6, cfgparse-listen.c).
     */
    private static void checkNames(List<ProxyDraft> proxies, Problems problems) {
        Map<String, ProxyDraft> front = new HashMap<>();
        Map<String, ProxyDraft> back = new HashMap<>();
        for (ProxyDraft d : proxies) {
            ProxyDraft clash = null;
            if (d.kind().hasFrontend()) {
                clash = front.putIfAbsent(d.name(), d);
            }
            if (clash == null && d.kind().hasBackend()) {
                clash = back.putIfAbsent(d.name(), d);
            }
            if (clash != null) {
                problems.error(d.section.header(), d.kind().keyword() + " '" + d.name()
                        + "' has the same name as "
                        + clash.kind().keyword() + " '" + clash.name() + "' declared at "
                        + clash.section.header().location());
            }
        }
    }

    /** HAProxy's default mode is tcp, so a proxy without {@code mode http} is a TCP proxy. */
    private static Mode mode(ProxyDraft d) {
        return d.settings.mode == Mode.HTTP ? Mode.HTTP : Mode.TCP;
    }

    /**
     * HTTP-only settings in a mode tcp proxy are ignored with HAProxy's own warnings (2.6,
     * cfgparse.c); a listen is warned about once, as its frontend.
     */
    private static void checkTcpProxy(ProxyDraft d, String role) {
        if (d.settings.forwardFor) {
            d.problems.warn(d.section.header(), "'option forwardfor' ignored for " + role + " '" + d.name()
                    + "' as it requires HTTP mode.");
        }
        if (!d.actions.isEmpty() || !d.legacyRewrites.isEmpty() || !d.legacyAdds.isEmpty()) {
            d.problems.warn(d.section.header(), "'http-request' rules ignored for " + role + " '" + d.name()
                    + "' as they require HTTP mode.");
        }
    }

    /** What lb's HTTP plane does not do that HAProxy's does: refused rather than ignored. */
    private static void checkHttpProxy(ProxyDraft d) {
        if (d.kind().hasBackend()) {
            for (Server s : d.servers) {
                if (s.sendProxy() != Server.ProxyProtocol.NONE) {
                    d.problems.error(d.section.header(), d.kind().keyword() + " '" + d.name() + "': server '"
                            + s.name() + "': PROXY protocol to servers of a mode http backend is not "
                            + "implemented yet (lb sends it in mode tcp)");
                }
            }
        }
        if (!d.kind().hasFrontend()) {
            return;
        }
        for (int i = 0; i < d.binds.size(); i++) {
            if (d.binds.get(i).acceptProxy()) {
                d.problems.error(d.bindLines.get(i), "'accept-proxy' on a mode http frontend is not "
                        + "implemented yet (lb decodes it in mode tcp)");
                break;
            }
        }
        if (d.tcpRuleLine != null) {
            d.problems.error(d.tcpRuleLine, "'tcp-request' rules in a mode http proxy are not implemented yet");
        }
    }

    /** HAProxy uses {@code http-check} rules only with {@code option httpchk} (manual 4.2 "http-check"). */
    private static void checkHttpCheck(ProxyDraft d) {
        ProxySettings.HttpCheckSettings c = d.settings.httpCheck;
        if (c.firstLine != null && !c.enabled) {
            d.problems.warn(c.firstLine, "'http-check' is ignored because " + d.kind().keyword() + " '"
                    + d.name() + "' has no 'option httpchk'");
        }
    }

    /** The stats page a stats-only section declares, if it has somewhere to be served. */
    private static Optional<StatsSection> statsSection(ProxyDraft d, Map<String, Userlist> userlists) {
        List<String> users = new ArrayList<>(d.statsUsers);
        if (d.statsUserlist != null) {
            Userlist list = userlists.get(d.statsUserlist);
            if (list == null) {
                d.problems.error(d.statsUserlistLine, "no userlist named '" + d.statsUserlist + "'");
            } else if (list.users().isEmpty()) {
                d.problems.error(d.statsUserlistLine, "userlist '" + d.statsUserlist + "' has no user: "
                        + "nobody could see the stats page");
            } else if (list.users().values().stream().anyMatch(Userlist.User::hashed)) {
                // The admin plane compares user:password pairs; it has no hash check yet.
                d.problems.error(d.statsUserlistLine, "userlist '" + d.statsUserlist + "' has hashed "
                        + "passwords, which the stats page does not check yet (use insecure-password)");
            } else {
                list.users().values().forEach(u -> users.add(u.name() + ":" + u.password()));
            }
        }
        if (d.binds.isEmpty()) {
            d.problems.warn(d.section.header(), d.kind().keyword() + " '" + d.name() + "' declares the stats "
                    + "page but has no 'bind': it is not served (lb.admin.bind serves the page at /)");
            return Optional.empty();
        }
        return Optional.of(new StatsSection(d.name(), d.binds,
                d.statsUri != null ? d.statsUri : StatsSection.DEFAULT_URI, users,
                d.statsRealm != null ? d.statsRealm : StatsSection.DEFAULT_REALM, d.statsRefresh,
                d.statsHideVersion, d.section.header().location()));
    }

    /** A server keeps its state across a reload when its backend, name and address are unchanged. */
    private static List<Server> carryState(String backend, List<Server> servers, RoutingTable previous) {
        Backend before = previous.backends().get(backend);
        if (before == null) {
            return servers;
        }
        Map<String, Server> old = new HashMap<>();
        for (Server s : before.servers()) {
            old.put(s.name(), s);
        }
        List<Server> out = new ArrayList<>(servers.size());
        for (Server s : servers) {
            Server o = old.get(s.name());
            // Counters follow the name (the stats rows are named); state also needs the address.
            if (o == null) {
                out.add(s);
            } else if (o.address().equals(s.address())) {
                out.add(s.withCarried(o.state(), o.counters()));
            } else {
                out.add(s.withCounters(o.counters()));
            }
        }
        return out;
    }

    private static Backend backend(ProxyDraft d, RoutingTable previous) {
        ProxySettings s = d.settings;
        // A listen's http-request rules run once, in its frontend half; they belong to the backend
        // half only when it has no frontend of its own.
        boolean ownRules = d.kind() == SectionKind.BACKEND || d.binds.isEmpty();
        boolean http = mode(d) == Mode.HTTP;
        return Backend.builder(d.name())
                .mode(mode(d))
                .algorithm(s.balance)
                .servers(carryState(d.name(), d.servers, previous))
                .retries(s.retries)
                .redispatch(s.redispatch)
                .forwardFor(http && s.forwardFor)
                .httpServerClose(http && s.httpServerClose)
                .actions(ownRules && http ? actions(d) : List.of())
                .timeouts(s.timeouts())
                .httpCheck(s.httpCheck.build())
                .location(d.section.header().location())
                .counters(previous.backend(d.name()).map(Backend::counters).orElse(null))
                .build();
    }

    /** The counters of {@code previous}'s frontend named {@code name}, or null for new ones. */
    private static ProxyCounters frontendCounters(String name, RoutingTable previous) {
        for (Frontend f : previous.frontends()) {
            if (f.name().equals(name)) {
                return f.counters();
            }
        }
        return null;
    }

    private static Frontend frontend(ProxyDraft d, Map<String, Backend> backends, List<ProxyDraft> proxies,
            Problems problems, RoutingTable previous) {
        ProxySettings s = d.settings;
        Mode mode = mode(d);
        List<Rule> rules = new ArrayList<>();
        for (ProxyDraft.UseBackend u : d.useBackends) {
            Backend b = resolveBackend(u.backend(), u.line(), "use_backend", backends, proxies, problems);
            if (b != null && checkBackendMode(d, b, u.line(), "in a 'use_backend' rule", problems)) {
                Condition c = u.condition().get();
                if (mode == Mode.TCP && Conditions.reads(c, Fetch::isHttp)) {
                    // HAProxy 2.6 accepts these and they never match on a TCP stream; say so.
                    problems.warn(u.line(), "HTTP sample fetches never match in mode tcp frontend '" + d.name()
                            + "'; this rule never applies");
                }
                rules.add(new Rule(c, b, u.line().location()));
            }
        }
        Backend defaultBackend = null;
        if (d.kind() == SectionKind.LISTEN && !d.ownDefaultBackend) {
            defaultBackend = backends.get(d.name());
        } else if (s.defaultBackend != null) {
            defaultBackend = resolveBackend(s.defaultBackend, s.defaultBackendLine, "default_backend", backends,
                    proxies, problems);
            if (defaultBackend != null && !checkBackendMode(d, defaultBackend, s.defaultBackendLine,
                    "as its default backend", problems)) {
                defaultBackend = null;
            }
        }
        List<TcpRequestRule> tcpRules = d.tcpRules.stream().map(Supplier::get).toList();
        if (mode == Mode.HTTP && s.inspectDelayLine != null && !s.inspectDelay.isZero()) {
            problems.warn(s.inspectDelayLine, "'tcp-request inspect-delay' is ignored by mode http frontend '"
                    + d.name() + "'");
        }
        if (mode == Mode.TCP && s.inspectDelay.isZero()) {
            for (TcpRequestRule r : tcpRules) {
                if (Conditions.reads(r.condition(), Fetch::isPayload)) {
                    // HAProxy's own warning: without a delay the first bytes are usually not there yet.
                    problems.warn(d.tcpRuleLine, "a 'tcp-request content' rule reads the payload but frontend '"
                            + d.name() + "' has no 'tcp-request inspect-delay': it sees no data");
                    break;
                }
            }
        }
        boolean http = mode == Mode.HTTP;
        return Frontend.builder(d.name())
                .mode(mode)
                .binds(d.binds)
                .rules(rules)
                .defaultBackend(defaultBackend)
                .actions(http ? actions(d) : List.of())
                .forwardFor(http && s.forwardFor)
                .httpServerClose(http && s.httpServerClose)
                .maxconn(s.maxconn)
                .timeouts(s.timeouts())
                .inspectDelay(http ? java.time.Duration.ZERO : s.inspectDelay)
                .tcpRules(http ? List.of() : tcpRules)
                .location(d.section.header().location())
                .counters(frontendCounters(d.name(), previous))
                .build();
    }

    /**
     * An HTTP frontend cannot use a TCP backend (HAProxy 2.6's alert, same words). A TCP frontend
     * may use an HTTP backend in HAProxy, which then upgrades the connection to HTTP; lb does not
     * implement that upgrade and says so.
     */
    private static boolean checkBackendMode(ProxyDraft d, Backend b, ConfigLine line, String where,
            Problems problems) {
        Mode mode = mode(d);
        if (mode == b.mode()) {
            return true;
        }
        if (mode == Mode.HTTP) {
            problems.error(line, "http frontend '" + d.name() + "' tries to use incompatible tcp backend '"
                    + b.name() + "' (" + b.location() + ") " + where + " (see 'mode').");
        } else {
            problems.error(line, "tcp frontend '" + d.name() + "' uses http backend '" + b.name() + "' ("
                    + b.location() + ") " + where + ": upgrading a TCP connection to HTTP is not implemented "
                    + "yet (use 'mode http' on both, or 'mode tcp' on both)");
        }
        return false;
    }

    private static Backend resolveBackend(String name, ConfigLine line, String directive,
            Map<String, Backend> backends, List<ProxyDraft> proxies, Problems problems) {
        Backend b = backends.get(name);
        if (b != null) {
            return b;
        }
        String why = "no backend named '" + name + "'";
        for (ProxyDraft p : proxies) {
            if (p.name().equals(name) && p.isStatsOnly()) {
                why = "'" + name + "' only declares the stats page; it has no servers";
            } else if (p.name().equals(name) && p.kind() == SectionKind.FRONTEND) {
                why = "'" + name + "' is a frontend, not a backend";
            }
        }
        // When a proxy failed its own checks it is absent here; its errors are already reported.
        if (proxies.stream().noneMatch(p -> p.name().equals(name) && p.kind().hasBackend()
                && !p.isStatsOnly())) {
            problems.error(line, directive + " " + name + ": " + why);
        }
        return null;
    }

    private static void checkBinds(ProxyDraft d, Map<InetSocketAddress, ConfigLine> bound, Problems problems) {
        for (int i = 0; i < d.binds.size(); i++) {
            Bind b = d.binds.get(i);
            ConfigLine line = d.bindLines.get(i);
            ConfigLine first = bound.putIfAbsent(b.address(), line);
            if (first == line) {
                problems.error(line, "bind " + b.describe() + " is listed twice on this line");
            } else if (first != null) {
                problems.error(line, "bind " + b.describe() + " collides with the bind at " + first.location());
            }
        }
        // Nothing to repair: any collision is an error, so no table is built from these binds.
    }

    /** http-request rules, then the translated reqrep/reqdel, then reqadd: HAProxy 1.x's order. */
    private static List<HttpRequestAction> actions(ProxyDraft d) {
        return java.util.stream.Stream.of(d.actions, d.legacyRewrites, d.legacyAdds)
                .flatMap(List::stream).map(Supplier::get).toList();
    }
}
