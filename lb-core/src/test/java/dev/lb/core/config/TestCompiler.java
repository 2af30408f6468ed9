package dev.lb.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

/**
 * Compiles configurations the way tests need: a fixed set of resolvable host names (no DNS)
 * and a fixed environment, so that results do not depend on the machine.
 */
final class TestCompiler {

    /** Names the test resolver knows; everything else is unresolvable. */
    static final Map<String, String> HOSTS = Map.of(
            "localhost", "127.0.0.1",
            "web1.service.consul", "10.0.0.11",
            "web2.service.consul", "10.0.0.12");

    static final Map<String, String> ENV = Map.of("HTTP_PORT", "8080", "NODE_IP", "10.0.0.21");

    private static final HostResolver RESOLVER = host -> {
        String ip = HOSTS.get(host);
        if (ip == null) {
            throw new UnknownHostException(host);
        }
        return InetAddress.getByName(ip);
    };

    private TestCompiler() {
    }

    static LoadResult compile(String name, String text) throws ConfigException {
        return new TableCompiler(RESOLVER, ENV).compile(List.of(new ConfigText(name, text)));
    }

    static LoadResult compile(List<ConfigText> texts) throws ConfigException {
        return new TableCompiler(RESOLVER, ENV).compile(texts);
    }

    /**
     * The golden form of a compilation: warnings then the table dump, or the errors. One text
     * for both outcomes, so that an error case is a golden file like any other.
     */
    static String render(String name, String text) {
        StringBuilder sb = new StringBuilder();
        try {
            LoadResult r = compile(name, text);
            for (ConfigProblem w : r.warnings()) {
                sb.append("warning: ").append(w.format()).append('\n');
            }
            sb.append(r.table().dump());
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                sb.append("error: ").append(p.format()).append('\n');
            }
        }
        return sb.toString();
    }
}
