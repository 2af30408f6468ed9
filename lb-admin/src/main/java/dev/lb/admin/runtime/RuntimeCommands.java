package dev.lb.admin.runtime;

import dev.lb.admin.AdminControl;
import dev.lb.admin.AdminStatus;
import dev.lb.admin.StatsView;
import dev.lb.core.table.AdminState;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Server;
import dev.lb.core.table.TableRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The runtime API's commands (SPEC section 8, HAProxy management guide 9.3), each answering
 * with HAProxy 2.6's text so that {@code socat} scripts and {@code hatop} read it. One command
 * per call; the caller splits lines and {@code ;}.
 */
public final class RuntimeCommands {

    static final String HELP = String.join("\n",
            "The following commands are valid at this level:",
            "  disable server <bk>/<srv>               : disable a server for maintenance",
            "  enable server <bk>/<srv>                : enable a disabled server (use 'set server' instead)",
            "  get weight <bk>/<srv>                   : report a server's current weight",
            "  help [<command>]                        : list matching or all commands",
            "  prompt                                  : toggle interactive mode with prompt",
            "  quit                                    : disconnect",
            "  reload                                  : re-read the configuration files now (lb)",
            "  set server <bk>/<srv> state <ready|drain|maint> : change a server's administrative state",
            "  set weight <bk>/<srv>  (<w>|<w>%)       : change a server's weight",
            "  show info                               : report information about the running process",
            "  show servers state [<backend>]          : dump volatile server information",
            "  show stat                               : report counters for each proxy and server",
            "");

    private final TableRef tables;
    private final StatsView stats;
    private final AdminControl control;
    private final String version;

    public RuntimeCommands(TableRef tables, StatsView stats, AdminControl control, String version) {
        this.tables = tables;
        this.stats = stats;
        this.control = control;
        this.version = version;
    }

    /** Runs one command and returns its answer (possibly empty), each line ending in a newline. */
    public String execute(String command) {
        List<String> w = List.of(command.trim().split("\\s+"));
        String first = w.get(0);
        String second = w.size() > 1 ? w.get(1) : "";
        switch (first) {
            case "help":
                return HELP;
            case "reload":
                return reload();
            case "show":
                switch (second) {
                    case "info":
                        return showInfo();
                    case "stat":
                        return stats.csv();
                    case "servers":
                        if (w.size() > 2 && w.get(2).equals("state")) {
                            return ServersStateFormat.render(tables.get(), w.size() > 3 ? w.get(3) : null);
                        }
                        break;
                    default:
                        break;
                }
                break;
            case "disable":
            case "enable":
                if (second.equals("server")) {
                    return adminState(w, 2, first.equals("enable") ? AdminState.READY : AdminState.MAINT);
                }
                break;
            case "set":
                if (second.equals("weight")) {
                    return setWeight(w);
                }
                if (second.equals("server")) {
                    return setServer(w);
                }
                if (second.equals("timeout")) {
                    // hatop sets 'timeout cli'; lb's runtime connections have no idle timeout.
                    return "";
                }
                break;
            case "get":
                if (second.equals("weight")) {
                    return getWeight(w);
                }
                break;
            default:
                break;
        }
        return "Unknown command: '" + command.trim() + "'\n\n" + HELP;
    }

    private String reload() {
        AdminControl.ReloadResult r = control.reload("runtime API");
        // HAProxy 2.7's master CLI 'reload' answers Success=1|0, then '--' and the startup log.
        StringBuilder sb = new StringBuilder("Success=").append(r.applied() ? 1 : 0).append("\n--\n");
        if (r.applied()) {
            sb.append("table version ").append(r.version()).append(" is live\n");
        } else {
            for (String e : r.errors()) {
                sb.append(e).append('\n');
            }
        }
        return sb.toString();
    }

    private String showInfo() {
        AdminStatus st = control.status();
        long uptime = Math.max(0, Duration.between(st.startedAt(), Instant.now()).toSeconds());
        int conns = 0;
        for (Backend b : tables.get().backends().values()) {
            for (Server s : b.servers()) {
                conns += s.state().active();
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, "Name", "lb");
        line(sb, "Version", version);
        // hatop requires every one of its keys with a non-empty value.
        line(sb, "Release_date", "unknown");
        line(sb, "Nbthread", Runtime.getRuntime().availableProcessors());
        line(sb, "Nbproc", 1);
        line(sb, "Process_num", 1);
        line(sb, "Pid", ProcessHandle.current().pid());
        line(sb, "Uptime", String.format(Locale.ROOT, "%dd %dh%02dm%02ds", uptime / 86400, uptime / 3600 % 24,
                uptime / 60 % 60, uptime % 60));
        line(sb, "Uptime_sec", uptime);
        line(sb, "Memmax_MB", 0);
        line(sb, "Maxconn", 0);
        line(sb, "Hard_maxconn", 0);
        // Connections to servers now: lb counts those per server; client connections are in 'show stat'.
        line(sb, "CurrConns", conns);
        line(sb, "Maxpipes", 0);
        line(sb, "PipesUsed", 0);
        line(sb, "Tasks", 0);
        line(sb, "Run_queue", 0);
        line(sb, "Table_version", st.version());
        line(sb, "Sources", String.join(",", st.sources()));
        line(sb, "Last_reload_errors", st.lastReloadErrors().size());
        // HAProxy's node name defaults to the host name.
        line(sb, "node", hostName());
        line(sb, "description", "");
        return sb.toString();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "lb";
        }
    }

    private static void line(StringBuilder sb, String key, Object value) {
        sb.append(key).append(": ").append(value).append('\n');
    }

    /** {@code disable server B/S}, {@code enable server B/S}. */
    private String adminState(List<String> w, int at, AdminState state) {
        if (w.size() <= at) {
            return "Require 'backend/server'.\n";
        }
        Found f = find(w.get(at));
        if (f.error != null) {
            return f.error;
        }
        f.server.state().setAdminState(state);
        return "";
    }

    /** {@code set server B/S state ready|drain|maint} (other {@code set server} forms are not implemented). */
    private String setServer(List<String> w) {
        if (w.size() < 3) {
            return "Require 'backend/server'.\n";
        }
        Found f = find(w.get(2));
        if (f.error != null) {
            return f.error;
        }
        if (w.size() < 5 || !w.get(3).equals("state")) {
            return "'set server <srv>' only supports 'state' in lb.\n";
        }
        AdminState state;
        switch (w.get(4)) {
            case "ready" -> state = AdminState.READY;
            case "drain" -> state = AdminState.DRAIN;
            case "maint" -> state = AdminState.MAINT;
            default -> {
                return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
            }
        }
        f.server.state().setAdminState(state);
        return "";
    }

    /** {@code set weight B/S N} or {@code N%} of the initial (configured) weight. */
    private String setWeight(List<String> w) {
        if (w.size() < 4) {
            return "Require 'backend/server' and 'weight' or 'weight%'.\n";
        }
        Found f = find(w.get(2));
        if (f.error != null) {
            return f.error;
        }
        String arg = w.get(3);
        int weight;
        try {
            if (arg.endsWith("%")) {
                int pct = Integer.parseInt(arg.substring(0, arg.length() - 1));
                weight = (int) Math.min(256, (long) f.server.weight() * pct / 100);
            } else {
                weight = Integer.parseInt(arg);
            }
        } catch (NumberFormatException e) {
            return "Require <weight> or <weight%>.\n";
        }
        if (weight < 0 || weight > 256) {
            return "Absolute weight can only be between 0 and 256 inclusive.\n";
        }
        f.server.setWeight(weight);
        return "";
    }

    /** {@code get weight B/S}: {@code N (initial M)}. */
    private String getWeight(List<String> w) {
        if (w.size() < 3) {
            return "Require 'backend/server'.\n";
        }
        Found f = find(w.get(2));
        if (f.error != null) {
            return f.error;
        }
        return f.server.effectiveWeight() + " (initial " + f.server.weight() + ")\n";
    }

    private record Found(Server server, String error) {
    }

    private Found find(String backendSlashServer) {
        int slash = backendSlashServer.indexOf('/');
        if (slash < 0) {
            return new Found(null, "Require 'backend/server'.\n");
        }
        Backend b = tables.get().backends().get(backendSlashServer.substring(0, slash));
        if (b == null) {
            return new Found(null, "No such backend.\n");
        }
        String name = backendSlashServer.substring(slash + 1);
        for (Server s : b.servers()) {
            if (s.name().equals(name)) {
                return new Found(s, null);
            }
        }
        return new Found(null, "No such server.\n");
    }
}
