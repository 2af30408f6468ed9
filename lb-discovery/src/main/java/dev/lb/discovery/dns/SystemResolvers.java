package dev.lb.discovery.dns;

import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The system's resolvers as /etc/resolv.conf gives them (resolv.conf(5)): name servers, search
 * domains and {@code ndots}. Used when {@code lb.dns.servers} is unset, as in a container whose
 * resolv.conf points at the orchestrator's DNS (Docker's 127.0.0.11, Kubernetes' cluster DNS).
 *
 * @param nameservers in the file's order, port 53
 * @param searchDomains the last {@code search} or {@code domain} line's domains
 * @param ndots names with fewer dots than this are tried with the search domains first
 */
record SystemResolvers(List<InetSocketAddress> nameservers, List<String> searchDomains, int ndots) {

    static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");

    SystemResolvers {
        nameservers = List.copyOf(nameservers);
        searchDomains = List.copyOf(searchDomains);
    }

    /** Reads /etc/resolv.conf; without it (or without a name server) asks 127.0.0.1:53, as libc does. */
    static SystemResolvers read() {
        String text;
        try {
            text = Files.readString(RESOLV_CONF);
        } catch (IOException | RuntimeException e) {
            text = "";
        }
        return parse(text);
    }

    static SystemResolvers parse(String text) {
        List<InetSocketAddress> servers = new ArrayList<>();
        List<String> search = List.of();
        int ndots = 1;
        for (String line : text.split("\n")) {
            String[] words = line.trim().split("\\s+");
            if (words.length < 2 || words[0].startsWith("#") || words[0].startsWith(";")) {
                continue;
            }
            switch (words[0]) {
                case "nameserver" -> {
                    // an IP literal only (resolv.conf(5)); never a name, so no DNS lookup here
                    if (NetUtil.isValidIpV4Address(words[1])
                            || NetUtil.isValidIpV6Address(words[1])) {
                        servers.add(new InetSocketAddress(words[1], 53));
                    }
                }
                // the last of "search" and "domain" wins (resolv.conf(5))
                case "search" -> search = domains(words);
                case "domain" -> search = domains(new String[] {"domain", words[1]});
                case "options" -> {
                    for (int i = 1; i < words.length; i++) {
                        if (words[i].startsWith("ndots:")) {
                            try {
                                ndots = Math.min(15, Math.max(0, Integer.parseInt(words[i].substring(6))));
                            } catch (NumberFormatException ignored) {
                                // resolv.conf(5) ignores a malformed option; so do we
                            }
                        }
                    }
                }
                default -> {
                    // sortlist, lookup, ...: not about which names to ask
                }
            }
        }
        if (servers.isEmpty()) {
            servers.add(new InetSocketAddress("127.0.0.1", 53));
        }
        return new SystemResolvers(servers, search, ndots);
    }

    private static List<String> domains(String[] words) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i < words.length; i++) {
            String d = words[i].toLowerCase(Locale.ROOT);
            d = d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
            if (!d.isEmpty()) {
                out.add(d);
            }
        }
        return out;
    }
}
