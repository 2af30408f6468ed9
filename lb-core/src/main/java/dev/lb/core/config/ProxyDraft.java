package dev.lb.core.config;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.action.TcpRequestRule;
import dev.lb.core.match.Condition;
import dev.lb.core.match.Userlist;
import dev.lb.core.table.Bind;
import dev.lb.core.table.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A {@code defaults}, {@code frontend}, {@code backend} or {@code listen} section while its
 * directives are applied: what the {@link DirectiveTable} handlers fill in and the
 * {@link TableCompiler} turns into table objects once every section is read.
 */
final class ProxyDraft {

    /** A {@code use_backend} line before its backend name is resolved. */
    record UseBackend(String backend, Supplier<Condition> condition, ConfigLine line) {
    }

    final Section section;
    final ProxySettings settings;
    final Problems problems;
    final AddressParser addresses;
    final AclRegistry acls;
    final List<Bind> binds = new ArrayList<>();
    final List<ConfigLine> bindLines = new ArrayList<>();
    final List<UseBackend> useBackends = new ArrayList<>();
    final List<Supplier<HttpRequestAction>> actions = new ArrayList<>();
    /** Translated {@code reqrep}/{@code reqdel} lines: HAProxy 1.x ran them after http-request. */
    final List<Supplier<HttpRequestAction>> legacyRewrites = new ArrayList<>();
    /** Translated {@code reqadd} lines: HAProxy 1.x ran them last. */
    final List<Supplier<HttpRequestAction>> legacyAdds = new ArrayList<>();
    final List<Supplier<TcpRequestRule>> tcpRules = new ArrayList<>();
    /** The first {@code tcp-request connection|content} line, or {@code null}. */
    ConfigLine tcpRuleLine;
    final List<Server> servers = new ArrayList<>();
    final Set<String> serverNames = new HashSet<>();
    /** The first {@code stats} line of the section, or {@code null}. */
    ConfigLine statsLine;
    /** {@code stats uri}, {@code null} for HAProxy's default. */
    String statsUri;
    /** {@code stats auth} credentials, {@code user:password}. */
    final List<String> statsUsers = new ArrayList<>();
    String statsRealm;
    Duration statsRefresh = Duration.ZERO;
    boolean statsHideVersion;
    /** The userlist of {@code stats http-request auth ... http_auth(LIST)}, and its line. */
    String statsUserlist;
    ConfigLine statsUserlistLine;
    /** The {@code http-request auth} lines, which a stats-only section cannot honour. */
    final List<ConfigLine> authLines = new ArrayList<>();
    /** Whether this section's own lines (not its defaults) name a default backend. */
    boolean ownDefaultBackend;

    /** Answers for servers named by DNS ({@code resolvers}, {@code server-template}). */
    final DnsContext dns;

    ProxyDraft(Section section, ProxySettings settings, Problems problems, AddressParser addresses,
            Map<String, Userlist> userlists, DnsContext dns) {
        this.dns = dns;
        this.acls = new AclRegistry(userlists);
        this.section = section;
        this.settings = settings;
        this.problems = problems;
        this.addresses = addresses;
    }

    SectionKind kind() {
        return section.kind();
    }

    String name() {
        return section.name();
    }

    /**
     * A section that only declares the stats page (the seeds' {@code listen stats}): no servers
     * and no routing of its own. The admin plane serves it, not the HTTP data plane.
     */
    boolean isStatsOnly() {
        return statsLine != null && servers.isEmpty() && useBackends.isEmpty() && !ownDefaultBackend;
    }
}
