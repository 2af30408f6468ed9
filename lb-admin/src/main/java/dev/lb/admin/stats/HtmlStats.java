package dev.lb.admin.stats;

import dev.lb.admin.AdminStatus;
import dev.lb.admin.StatsPage;
import dev.lb.core.stats.ProxyCounters;
import dev.lb.core.stats.ServerCounters;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The HTML stats page, in the spirit of HAProxy's: a header with the process and configuration
 * facts, then one table per proxy with its FRONTEND row, a row per server and its BACKEND row,
 * coloured by state. Self-contained (inline CSS, no scripts, nothing fetched), so it works
 * behind any proxy and in a terminal browser. Every name from the configuration is escaped.
 * Each cell carries the CSV column it shows as its class, which tests and scrapers can use.
 */
final class HtmlStats {

    private static final String CSS = """
            body{font-family:Arial,Helvetica,sans-serif;font-size:12px;margin:8px;background:#fff;color:#000}
            h1{font-size:18px;margin:0 0 6px 0;color:#fff;background:#20507a;padding:4px 8px}
            .info{margin:6px 0 12px 0}.info td{padding:1px 8px 1px 0;vertical-align:top}
            .errors li{color:#b00000;font-family:monospace}
            .legend span{display:inline-block;padding:1px 6px;margin-right:4px;border:1px solid #999}
            table.px{border-collapse:collapse;margin:0 0 14px 0}
            table.px caption{text-align:left;font-weight:bold;font-size:13px;color:#fff;
            background:#5070a0;padding:2px 6px}
            table.px th{background:#b0b8d0;border:1px solid #808080;padding:1px 3px;font-weight:normal}
            table.px td{border:1px solid #a0a0a0;padding:1px 3px;text-align:right;white-space:nowrap}
            table.px td.name,table.px td.status{text-align:left}
            tr.frontend td,tr.backend td{background:#e8e8d0;font-weight:bold}
            tr.up td{background:#c0ffc0}tr.down td{background:#ff9090}tr.maint td{background:#c07820}
            tr.drain td{background:#20a0ff}tr.nocheck td{background:#e0e0e0}
            tr.backend.down td{background:#ff9090}
            """;

    private HtmlStats() {
    }

    static String render(RoutingTable table, StatsPage page, AdminStatus status, String version) {
        StringBuilder sb = new StringBuilder(16384);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        long refresh = page.refresh().toSeconds() + (page.refresh().toMillisPart() > 0 ? 1 : 0);
        if (refresh > 0) {
            sb.append("<meta http-equiv=\"refresh\" content=\"").append(refresh).append("\">\n");
        }
        sb.append("<title>Statistics Report for lb</title>\n<style>").append(CSS).append("</style></head>\n");
        sb.append("<body>\n<h1>lb statistics report</h1>\n");
        header(sb, table, page, status, version);
        for (StatsProxy p : StatsProxy.of(table)) {
            proxy(sb, p);
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static void header(StringBuilder sb, RoutingTable table, StatsPage page, AdminStatus status,
            String version) {
        sb.append("<table class=\"info\">\n");
        if (!page.hideVersion()) {
            info(sb, "lb version", esc(version));
        }
        info(sb, "started", status.startedAt() == null ? "" : esc(status.startedAt().toString()));
        info(sb, "table version", "<span id=\"table-version\">" + status.version() + "</span>");
        StringBuilder sources = new StringBuilder("<ul id=\"sources\">");
        for (String s : status.sources().isEmpty() ? table.sources() : status.sources()) {
            sources.append("<li>").append(esc(s)).append("</li>");
        }
        info(sb, "sources", sources.append("</ul>").toString());
        Instant last = status.lastReloadAt();
        String outcome = status.lastReloadErrors().isEmpty() ? "applied" : "failed, the previous table serves";
        info(sb, "last reload", last == null ? "none yet" : esc(last + ": " + outcome));
        if (!status.lastReloadErrors().isEmpty()) {
            StringBuilder errs = new StringBuilder("<ul class=\"errors\" id=\"reload-errors\">");
            for (String e : status.lastReloadErrors()) {
                errs.append("<li>").append(esc(e)).append("</li>");
            }
            info(sb, "last reload error", errs.append("</ul>").toString());
        }
        info(sb, "page refresh", page.refresh().isZero() ? "off" : page.refresh().toSeconds() + " s");
        sb.append("</table>\n<p class=\"legend\"><span style=\"background:#c0ffc0\">UP</span>"
                + "<span style=\"background:#ff9090\">DOWN</span>"
                + "<span style=\"background:#c07820\">MAINT</span>"
                + "<span style=\"background:#20a0ff\">DRAIN</span>"
                + "<span style=\"background:#e0e0e0\">no check</span></p>\n");
    }

    private static void info(StringBuilder sb, String label, String html) {
        sb.append("<tr><td>").append(label).append(":</td><td>").append(html).append("</td></tr>\n");
    }

    private static final String HEAD = """
            <thead><tr><th rowspan="2">Name</th><th colspan="2">Session rate</th><th colspan="6">Sessions</th>\
            <th colspan="2">Bytes</th><th>Denied</th><th colspan="3">Errors</th><th colspan="2">Warnings</th>\
            <th colspan="7">Responses</th><th colspan="3">Avg times (ms)</th><th colspan="8">Server</th></tr>
            <tr><th>Cur</th><th>Max</th><th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th>\
            <th>Last</th><th>In</th><th>Out</th><th>Req</th><th>Req</th><th>Conn</th><th>Resp</th><th>Retr</th>\
            <th>Redis</th><th>Req/s</th><th>1xx</th><th>2xx</th><th>3xx</th><th>4xx</th><th>5xx</th>\
            <th>other</th>\
            <th>Connect</th><th>Response</th><th>Total</th><th>Status</th><th>LastChk</th><th>Wght</th>\
            <th>Act</th><th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th></tr></thead>
            """;

    private static void proxy(StringBuilder sb, StatsProxy p) {
        String name = esc(p.name());
        sb.append("<table class=\"px\" data-proxy=\"").append(name).append("\"><caption>").append(name)
                .append("</caption>\n").append(HEAD).append("<tbody>\n");
        p.frontend().ifPresent(f -> frontend(sb, p, f));
        p.backend().ifPresent(b -> {
            for (Server s : b.servers()) {
                server(sb, p, s);
            }
            backend(sb, p, b);
        });
        sb.append("</tbody></table>\n");
    }

    private static void frontend(StringBuilder sb, StatsProxy p, Frontend f) {
        ProxyCounters c = f.counters();
        row(sb, "frontend", p, "FRONTEND");
        cells(sb, c, f.maxconn() > 0 ? Long.toString(f.maxconn()) : "", "", "");
        td(sb, "dreq", c.deniedRequests());
        td(sb, "ereq", c.requestErrors());
        td(sb, "econ", "");
        td(sb, "eresp", "");
        td(sb, "wretr", "");
        td(sb, "wredis", "");
        responses(sb, c, Long.toString(c.requestRate()));
        td(sb, "ctime", "");
        td(sb, "rtime", "");
        td(sb, "ttime", "");
        td(sb, "status", "OPEN");
        for (String col : new String[] {"last_chk", "weight", "act", "bck", "chkfail", "chkdown", "downtime"}) {
            td(sb, col, "");
        }
        sb.append("</tr>\n");
    }

    private static void server(StringBuilder sb, StatsProxy p, Server s) {
        ServerCounters c = s.counters();
        String status = StatsStatus.of(s);
        row(sb, cssClass(status), p, s.name());
        cells(sb, c, s.maxconn() > 0 ? Integer.toString(s.maxconn()) : "", Long.toString(c.totalSessions()),
                last(c));
        upstream(sb, c);
        td(sb, "status", status + " " + duration(c.secondsSinceChange()));
        td(sb, "last_chk", s.check() ? s.state().lastCheck().map(r -> r.status().name() + " in "
                + r.duration().toMillis() + "ms").orElse("") : "");
        td(sb, "weight", s.effectiveWeight());
        td(sb, "act", s.backup() ? "-" : "Y");
        td(sb, "bck", s.backup() ? "Y" : "-");
        td(sb, "chkfail", s.check() ? Long.toString(c.failedChecks()) : "");
        td(sb, "chkdown", s.check() ? Long.toString(c.downTransitions()) : "");
        td(sb, "downtime", s.check() ? duration(c.secondsDown()) : "");
        sb.append("</tr>\n");
    }

    private static void backend(StringBuilder sb, StatsProxy p, Backend b) {
        ProxyCounters c = b.counters();
        String status = StatsStatus.of(b);
        row(sb, "backend " + cssClass(status), p, "BACKEND");
        cells(sb, c, "", Long.toString(c.totalSessions()), last(c));
        upstream(sb, c);
        td(sb, "status", status);
        td(sb, "last_chk", "");
        StatsStatus.BackendSummary sum = StatsStatus.BackendSummary.of(b);
        td(sb, "weight", sum.weight());
        td(sb, "act", sum.act());
        td(sb, "bck", sum.bck());
        td(sb, "chkfail", "");
        td(sb, "chkdown", sum.downTransitions());
        td(sb, "downtime", "");
        sb.append("</tr>\n");
    }

    private static void row(StringBuilder sb, String cls, StatsProxy p, String name) {
        sb.append("<tr class=\"").append(cls).append("\" data-proxy=\"").append(esc(p.name()))
                .append("\" data-name=\"").append(esc(name)).append("\"><td class=\"name\">").append(esc(name))
                .append("</td>");
    }

    /** Session rate, sessions and bytes. */
    private static void cells(StringBuilder sb, ProxyCounters c, String limit, String lbtot, String last) {
        td(sb, "rate", c.sessionRate());
        td(sb, "rate_max", c.sessionRateMax());
        td(sb, "scur", c.currentSessions());
        td(sb, "smax", c.maxSessions());
        td(sb, "slim", limit);
        td(sb, "stot", c.totalSessions());
        td(sb, "lbtot", lbtot);
        td(sb, "lastsess", last);
        td(sb, "bin", c.bytesIn());
        td(sb, "bout", c.bytesOut());
    }

    /** Denials, errors, warnings, responses and times of a backend or server row. */
    private static void upstream(StringBuilder sb, ProxyCounters c) {
        td(sb, "dreq", c.deniedRequests());
        td(sb, "ereq", "");
        td(sb, "econ", c.connectErrors());
        td(sb, "eresp", c.responseErrors());
        td(sb, "wretr", c.retries());
        td(sb, "wredis", c.redispatches());
        responses(sb, c, "");
        td(sb, "ctime", c.connectTime().averageNanos() / 1_000_000L);
        td(sb, "rtime", c.responseTime().averageNanos() / 1_000_000L);
        td(sb, "ttime", c.totalTime().averageNanos() / 1_000_000L);
    }

    private static void responses(StringBuilder sb, ProxyCounters c, String reqRate) {
        td(sb, "req_rate", reqRate);
        for (int k = 1; k <= 5; k++) {
            td(sb, "hrsp_" + k + "xx", c.responses(k));
        }
        td(sb, "hrsp_other", c.responses(0));
    }

    private static String last(ProxyCounters c) {
        long s = c.secondsSinceLastSession();
        return s < 0 ? "never" : duration(s);
    }

    private static void td(StringBuilder sb, String column, Object value) {
        sb.append("<td class=\"").append(column).append("\">").append(esc(String.valueOf(value)))
                .append("</td>");
    }

    private static String cssClass(String status) {
        return switch (status) {
            case StatsStatus.UP -> "up";
            case StatsStatus.DOWN -> "down";
            case StatsStatus.MAINT -> "maint";
            case StatsStatus.NO_CHECK -> "nocheck";
            default -> status.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
        };
    }

    /** HAProxy's short durations: {@code 42s}, {@code 3m5s}, {@code 2h1m}, {@code 1d4h}. */
    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + seconds % 60 + "s";
        }
        if (seconds < 86400) {
            return seconds / 3600 + "h" + seconds % 3600 / 60 + "m";
        }
        return seconds / 86400 + "d" + seconds % 86400 / 3600 + "h";
    }

    static String esc(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            String rep = switch (ch) {
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '&' -> "&amp;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> null;
            };
            if (rep != null && out == null) {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (out != null) {
                if (rep != null) {
                    out.append(rep);
                } else {
                    out.append(ch);
                }
            }
        }
        return out == null ? s : out.toString();
    }
}
