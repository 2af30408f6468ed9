package dev.lb.core.config;

import static dev.lb.core.config.SectionKind.BACKEND;
import static dev.lb.core.config.SectionKind.DEFAULTS;
import static dev.lb.core.config.SectionKind.FRONTEND;
import static dev.lb.core.config.SectionKind.LISTEN;

import dev.lb.core.balance.Algorithm;
import dev.lb.core.table.Mode;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one table of proxy directives: for each keyword, the sections that may hold it and what
 * it does. Three kinds of entries: implemented (a handler), process tuning (accepted with a
 * warning), and not implemented yet (an error naming the feature). Implementing a feature
 * means replacing its "not yet" entry with a handler.
 */
final class DirectiveTable {

    /** What a directive does to the proxy being read. */
    @FunctionalInterface
    interface Handler {
        void apply(ProxyDraft draft, ConfigLine line);
    }

    record Directive(Set<SectionKind> sections, Handler handler) {
    }

    private static final Pattern BACKEND_NAME = Pattern.compile("[A-Za-z0-9_.:-]+");
    private static final Set<SectionKind> ALL = EnumSet.of(DEFAULTS, FRONTEND, BACKEND, LISTEN);
    private static final Set<SectionKind> PROXIES = EnumSet.of(FRONTEND, BACKEND, LISTEN);
    private static final Set<SectionKind> FRONT = EnumSet.of(FRONTEND, LISTEN);
    private static final Set<SectionKind> FRONT_D = EnumSet.of(DEFAULTS, FRONTEND, LISTEN);
    private static final Set<SectionKind> BACK_D = EnumSet.of(DEFAULTS, BACKEND, LISTEN);
    private static final Set<SectionKind> BACK = EnumSet.of(BACKEND, LISTEN);

    private static final Map<String, Directive> TABLE = new HashMap<>();

    static {
        put("mode", ALL, DirectiveTable::mode);
        put("balance", BACK_D, DirectiveTable::balance);
        put("retries", BACK_D, (d, l) -> new Arguments(l, d.problems).integer(1, "number of retries", 0,
                Integer.MAX_VALUE).ifPresent(n -> d.settings.retries = n));
        put("maxconn", ALL, DirectiveTable::maxconn);
        put("default_backend", FRONT_D, DirectiveTable::defaultBackend);
        put("use_backend", FRONT, DirectiveTable::useBackend);
        put("acl", PROXIES, DirectiveTable::acl);
        put("bind", FRONT, BindParser::parse);
        put("server", BACK, ServerParser::server);
        put("default-server", BACK_D, ServerParser::defaultServer);
        put("server-template", BACK, ServerParser::serverTemplate);
        put("http-request", PROXIES, HttpRequestParser::parse);
        put("timeout", ALL, TimeoutDirective::apply);
        put("option", ALL, (d, l) -> OptionDirective.apply(d, l, false));
        put("no", ALL, DirectiveTable::no);
        put("http-check", BACK_D, HttpCheckDirective::apply);
        put("stats", ALL, DirectiveTable::stats);
        put("tcp-request", ALL, TcpRequestParser::parse);
        for (String legacy : new String[] {"contimeout", "clitimeout", "srvtimeout"}) {
            put(legacy, ALL, TimeoutDirective::legacy);
        }

        for (String kw : new String[] {"log", "log-format", "log-format-sd", "log-tag", "error-log-format",
                "errorfile", "unique-id-format", "unique-id-header", "capture", "declare", "description", "id",
                "bind-process", "hash-type", "fullconn", "http-reuse", "email-alert", "server-state-file-name",
                "load-server-state-from-file", "enabled", "grace", "log-steps"}) {
            put(kw, ALL, (d, l) -> d.problems.warn(l, "'" + l.keyword() + "' does not change routing; lb "
                    + "ignores it"));
        }

        for (String kw : new String[] {"reqrep", "reqirep", "reqadd", "reqdel", "reqidel"}) {
            put(kw, PROXIES, LegacyRequestDirective::apply);
        }
        for (String kw : new String[] {"reqallow", "reqiallow", "reqdeny", "reqideny", "reqpass", "reqipass",
                "reqtarpit", "reqitarpit"}) {
            notYet(kw, "legacy req* directives are not implemented yet ('" + kw + "'; HAProxy 2.1+ "
                    + "replaced them with http-request)");
        }
        for (String kw : new String[] {"rsprep", "rspirep", "rspadd", "rspdel", "rspidel", "rspdeny",
                "rspideny"}) {
            notYet(kw, "legacy rsp* directives are not implemented yet ('" + kw + "')");
        }
        notYet("redirect", "'redirect' is not implemented yet");
        notYet("http-response", "'http-response' rules are not implemented yet");
        notYet("http-after-response", "'http-after-response' rules are not implemented yet");
        notYet("http-error", "'http-error' is not implemented yet");
        notYet("tcp-response", "'tcp-response' rules are not implemented yet");
        notYet("tcp-check", "'tcp-check' health checks are not implemented yet");
        notYet("use-server", "'use-server' is not implemented yet");
        notYet("cookie", "cookie persistence ('cookie') is not implemented yet");
        notYet("compression", "'compression' is not implemented yet");
        notYet("monitor-uri", "'monitor-uri' is not implemented yet");
        notYet("monitor", "'monitor fail' is not implemented yet");
        notYet("errorloc", "'errorloc' is not implemented yet");
        notYet("errorloc302", "'errorloc302' is not implemented yet");
        notYet("errorloc303", "'errorloc303' is not implemented yet");
        notYet("errorfiles", "'errorfiles' is not implemented yet");
        notYet("force-persist", "'force-persist' is not implemented yet");
        notYet("ignore-persist", "'ignore-persist' is not implemented yet");
        notYet("persist", "'persist' is not implemented yet");
        notYet("dispatch", "'dispatch' is not implemented yet");
        notYet("source", "'source' (outgoing source address) is not implemented yet");
        notYet("filter", "'filter' is not implemented yet");
        notYet("external-check", "external health checks are not implemented yet");
        notYet("rate-limit", "'rate-limit sessions' is not implemented yet");
        notYet("retry-on", "'retry-on' is not implemented yet");
        notYet("http-send-name-header", "'http-send-name-header' is not implemented yet");
        notYet("max-keep-alive-queue", "'max-keep-alive-queue' is not implemented yet");
        notYet("use-fcgi-app", "FastCGI applications are not implemented yet");
        notYet("disabled", "disabling a whole proxy ('disabled') is not implemented yet");
        notYet("appsession", "'appsession' is not implemented (removed in HAProxy 1.6)");
        notYet("block", "'block' is not implemented (removed in HAProxy 2.0; use http-request deny)");
    }

    private DirectiveTable() {
    }

    private static void put(String keyword, Set<SectionKind> sections, Handler handler) {
        TABLE.put(keyword, new Directive(sections, handler));
    }

    private static void notYet(String keyword, String message) {
        put(keyword, ALL, (d, l) -> d.problems.error(l, message));
    }

    /** Applies one directive line to the proxy being read, or reports why it cannot. */
    static void apply(ProxyDraft d, ConfigLine line) {
        String kw = line.keyword();
        if (kw.startsWith("stick")) {
            d.problems.error(line, "stickiness ('" + kw + "') is not implemented yet");
            return;
        }
        Directive directive = TABLE.get(kw);
        if (directive == null) {
            d.problems.error(line, "unknown keyword '" + kw + "' in '" + d.kind().keyword() + "' section");
            return;
        }
        if (!directive.sections().contains(d.kind())) {
            d.problems.error(line, "'" + kw + "' is not allowed in a '" + d.kind().keyword() + "' section");
            return;
        }
        directive.handler().apply(d, line);
    }

    private static void mode(ProxyDraft d, ConfigLine line) {
        Arguments args = new Arguments(line, d.problems);
        String m = args.word(1, "http or tcp");
        if (m == null) {
            return;
        }
        args.noMoreThan(2);
        switch (m) {
            case "http" -> d.settings.mode = Mode.HTTP;
            // Reported when a proxy ends up in tcp mode, not here: a defaults section in tcp mode
            // followed only by http proxies is fine.
            case "tcp" -> d.settings.mode = Mode.TCP;
            case "health" -> {
                d.problems.error(line, "'mode health' is not implemented (removed in HAProxy 2.4)");
                return;
            }
            default -> {
                d.problems.error(line, "unknown proxy mode '" + m + "' (expected http or tcp)");
                return;
            }
        }
        d.settings.modeLine = line;
    }

    private static void balance(ProxyDraft d, ConfigLine line) {
        String a = new Arguments(line, d.problems).word(1, "an algorithm such as roundrobin");
        if (a == null) {
            return;
        }
        Optional<Algorithm> algorithm = Algorithm.of(a);
        if (algorithm.isPresent()) {
            new Arguments(line, d.problems).noMoreThan(2);
            d.settings.balance = algorithm.get();
        } else if (a.equals("static-rr")) {
            // Same order as roundrobin; the difference is only in run-time weight changes.
            d.problems.warn(line, "'balance static-rr' is served as roundrobin");
            d.settings.balance = Algorithm.ROUNDROBIN;
        } else {
            d.problems.error(line, "'balance " + a + "' is not implemented yet (lb has roundrobin, "
                    + "leastconn, source, first)");
        }
    }

    private static void maxconn(ProxyDraft d, ConfigLine line) {
        OptionalInt n = new Arguments(line, d.problems).integer(1, "number of connections", 0,
                Integer.MAX_VALUE);
        if (n.isEmpty()) {
            return;
        }
        if (d.kind() == BACKEND) {
            // HAProxy's own warning: a backend has no client connections to limit.
            d.problems.warn(line, "'maxconn' ignored because backend '" + d.name()
                    + "' has no frontend capability (server maxconn limits servers)");
            return;
        }
        d.settings.maxconn = n.getAsInt();
    }

    private static void defaultBackend(ProxyDraft d, ConfigLine line) {
        Arguments args = new Arguments(line, d.problems);
        String name = args.word(1, "a backend name");
        if (name == null) {
            return;
        }
        args.noMoreThan(2);
        if (name.contains("%[")) {
            d.problems.error(line, "dynamic backend names are not implemented yet");
            return;
        }
        d.settings.defaultBackend = name;
        d.settings.defaultBackendLine = line;
        d.ownDefaultBackend = d.kind() != DEFAULTS;
    }

    private static void useBackend(ProxyDraft d, ConfigLine line) {
        String name = new Arguments(line, d.problems).word(1, "a backend name");
        if (name == null) {
            return;
        }
        if (name.contains("%[")) {
            d.problems.error(line, "dynamic backend names ('use_backend " + name
                    + "') are not implemented yet");
            return;
        }
        ConditionParser.parse(line.from(2), d.acls, line, d.problems)
                .ifPresent(c -> d.useBackends.add(new ProxyDraft.UseBackend(name, c, line)));
    }

    private static void acl(ProxyDraft d, ConfigLine line) {
        String name = new Arguments(line, d.problems).word(1, "a name and a criterion");
        if (name == null) {
            return;
        }
        if (!BACKEND_NAME.matcher(name).matches()) {
            d.problems.error(line, "invalid ACL name '" + name + "' (letters, digits, '-', '_', '.', ':')");
            return;
        }
        AclParser.parse(line.from(2), d.acls.userlists(), line, d.problems)
                .ifPresent(m -> d.acls.define(name, m));
    }

    private static void no(ProxyDraft d, ConfigLine line) {
        if (!"option".equals(line.word(1))) {
            d.problems.error(line, "'no' is only used as 'no option ...'");
            return;
        }
        OptionDirective.apply(d, new ConfigLine(line.file(), line.number(), line.from(1)), true);
    }

    /**
     * {@code stats http-request auth [realm R] unless { http_auth(LIST) }} (or {@code if !{ ... }}):
     * the stats page asks for a user of that userlist. Other stats rules are not implemented.
     */
    private static void statsHttpRequest(ProxyDraft d, ConfigLine line) {
        List<String> w = line.from(2);
        int i = 0;
        if (w.isEmpty() || !w.get(i++).equals("auth")) {
            d.problems.error(line, "'stats http-request " + (w.isEmpty() ? "" : w.get(0))
                    + "' is not implemented yet (lb has 'stats http-request auth')");
            return;
        }
        if (i + 1 < w.size() && w.get(i).equals("realm")) {
            d.statsRealm = w.get(i + 1);
            i += 2;
        }
        String cond = String.join(" ", w.subList(i, w.size())).replace("!{", "! {");
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?:unless \\{|if ! \\{) http_auth\\(([^)]+)\\) }").matcher(cond);
        if (!m.matches()) {
            d.problems.error(line, "lb reads 'stats http-request auth [realm R] unless { http_auth(LIST) }' "
                    + "(or 'if !{ http_auth(LIST) }'), not '" + cond + "'");
            return;
        }
        d.statsUserlist = m.group(1);
        d.statsUserlistLine = line;
    }

    /** {@code stats ...} in a proxy: the stats page the admin plane serves (manual 4.2 "stats"). */
    private static void stats(ProxyDraft d, ConfigLine line) {
        if (d.kind() == DEFAULTS) {
            d.problems.warn(line, "'stats' in a defaults section is not applied by lb; put it in the "
                    + "listen section that serves the stats page");
            return;
        }
        Arguments args = new Arguments(line, d.problems);
        String sub = args.word(1, "enable, uri, auth, realm, refresh or hide-version");
        if (sub == null) {
            return;
        }
        if (d.statsLine == null) {
            d.statsLine = line;
        }
        switch (sub) {
            case "enable" -> args.noMoreThan(2);
            case "uri" -> {
                String uri = args.word(2, "a URI prefix");
                if (uri != null) {
                    args.noMoreThan(3);
                    d.statsUri = uri;
                }
            }
            case "auth" -> {
                String cred = args.word(2, "user:password");
                if (cred != null && cred.indexOf(':') <= 0) {
                    d.problems.error(line, "'stats auth' expects user:password, got '" + cred + "'");
                } else if (cred != null) {
                    args.noMoreThan(3);
                    d.statsUsers.add(cred);
                }
            }
            case "realm" -> {
                String realm = args.word(2, "a realm");
                if (realm != null) {
                    d.statsRealm = realm;
                }
            }
            case "refresh" -> {
                Duration t = args.time(2, "a delay");
                if (t != null) {
                    d.statsRefresh = t;
                }
            }
            case "hide-version" -> d.statsHideVersion = true;
            case "admin", "show-legends", "show-node", "show-desc", "show-modules", "scope" ->
                    d.problems.warn(line, "'stats " + sub + "' is not shown by lb's stats page (server states "
                            + "are changed through the runtime API); ignored");
            case "http-request" -> statsHttpRequest(d, line);
            default -> d.problems.error(line, "unknown 'stats' keyword '" + sub + "' in a "
                    + d.kind().keyword() + " section (lb has enable, uri, auth, realm, refresh, hide-version)");
        }
    }
}
