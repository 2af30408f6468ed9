package dev.lb.core.config;

import dev.lb.core.dns.Nameserver;
import dev.lb.core.dns.ResolversSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * {@code resolvers} sections (configuration manual, 5.3.2): {@code nameserver NAME IP:PORT},
 * {@code parse-resolv-conf}, {@code hold valid TIME}, {@code timeout resolve TIME} and
 * {@code resolve_retries N} shape how lb resolves; the other {@code hold} periods,
 * {@code timeout retry} and {@code accepted_payload_size} are accepted and have no effect.
 */
final class ResolversSections {

    /** HAProxy's defaults for a section that does not say (5.3.2). */
    static final Duration HOLD_VALID = Duration.ofSeconds(10);
    static final Duration TIMEOUT_RESOLVE = Duration.ofSeconds(1);
    static final int RESOLVE_RETRIES = 3;
    private static final List<String> HOLD_STATUSES = List.of("valid", "nx", "other", "refused", "timeout",
            "obsolete");

    private ResolversSections() {
    }

    /** Every resolvers section by name. */
    static Map<String, ResolversSpec> read(List<Section> sections, Problems problems) {
        Map<String, ResolversSpec> out = new LinkedHashMap<>();
        for (Section s : sections) {
            if (s.kind() != SectionKind.RESOLVERS) {
                continue;
            }
            if (out.containsKey(s.name())) {
                problems.error(s.header(), "resolvers section '" + s.name() + "' is declared twice");
                continue;
            }
            out.put(s.name(), read(s, problems));
        }
        return out;
    }

    private static ResolversSpec read(Section s, Problems problems) {
        List<InetSocketAddress> servers = new ArrayList<>();
        Duration hold = HOLD_VALID;
        Duration timeout = TIMEOUT_RESOLVE;
        int retries = RESOLVE_RETRIES;
        boolean resolvConf = false;
        for (ConfigLine line : s.body()) {
            Arguments args = new Arguments(line, problems);
            switch (line.keyword()) {
                case "nameserver" -> {
                    String addr = args.word(2, "a name and an IP:PORT address");
                    if (addr != null) {
                        InetSocketAddress a = nameserver(addr, line, problems);
                        if (a != null) {
                            servers.add(a);
                        }
                    }
                }
                case "parse-resolv-conf" -> resolvConf = true;
                case "hold" -> {
                    String what = args.word(1, "a status (valid, nx, other, refused, timeout, obsolete) and "
                            + "a time");
                    String time = args.word(2, "a time after '" + what + "'");
                    Duration t = time == null ? null : args.time(time);
                    if ("valid".equals(what) && t != null) {
                        hold = t;
                    } else if (what != null && !HOLD_STATUSES.contains(what)) {
                        problems.error(line, "unknown 'hold' status '" + what + "'");
                    }
                }
                case "timeout" -> {
                    String what = args.word(1, "'resolve' or 'retry' and a time");
                    String time = args.word(2, "a time");
                    Duration t = time == null ? null : args.time(time);
                    if ("resolve".equals(what) && t != null) {
                        timeout = t;
                    } else if (what != null && !what.equals("resolve") && !what.equals("retry")) {
                        problems.error(line, "unknown resolvers timeout '" + what + "'");
                    }
                }
                case "resolve_retries" -> {
                    OptionalInt n = args.integer(1, "a number of attempts", 1, 100);
                    if (n.isPresent()) {
                        retries = n.getAsInt();
                    }
                }
                case "accepted_payload_size" -> args.integer(1, "a size in bytes", 512, 65535);
                default -> problems.error(line, "unknown keyword '" + line.keyword()
                        + "' in a 'resolvers' section");
            }
        }
        if (servers.isEmpty() && !resolvConf) {
            problems.error(s.header(), "resolvers section '" + s.name() + "' has no 'nameserver' and no "
                    + "'parse-resolv-conf'");
        }
        // parse-resolv-conf alone means the system's servers, which an empty list says.
        return new ResolversSpec(s.name(), servers, hold, timeout, retries);
    }

    private static InetSocketAddress nameserver(String text, ConfigLine line, Problems problems) {
        String addr = text;
        if (addr.startsWith("udp@") || addr.startsWith("ipv4@") || addr.startsWith("ipv6@")) {
            addr = addr.substring(addr.indexOf('@') + 1);
        } else if (addr.contains("@")) {
            problems.error(line, "nameserver '" + text + "': lb queries name servers over UDP only");
            return null;
        }
        try {
            return Nameserver.parse(addr);
        } catch (IllegalArgumentException e) {
            problems.error(line, "nameserver " + e.getMessage());
            return null;
        }
    }
}
