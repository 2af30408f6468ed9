package dev.lb.admin.stats;

import dev.lb.core.stats.ProxyCounters;
import dev.lb.core.stats.ServerCounters;
import dev.lb.core.table.Backend;
import dev.lb.core.table.CheckResult;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.Mode;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * HAProxy 2.6's CSV statistics ({@code show stat}, {@code GET /;csv}; management guide 9.1):
 * the same header and column order as HAProxy 2.6 writes, one line per frontend, server and
 * backend in HAProxy's order. Columns lb has a value for are filled; the others are empty, as
 * HAProxy leaves the columns that do not apply to a row. Tools index the columns by position
 * ({@code prometheus-haproxy-exporter}, hatop), so the header must never move.
 */
final class CsvStats {

    /** The header line of HAProxy 2.6.12, as {@code curl 'http://haproxy:1936/;csv'} returns it. */
    static final String HEADER = "# "
            + "pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,"
            + "wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,"
            + "sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,"
            + "check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,"
            + "req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,"
            + "lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,"
            + "agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,"
            + "agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,"
            + "intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,"
            + "qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,"
            + "used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,"
            + "agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,"
            + "h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,"
            + "h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,"
            + "h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,"
            + "h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,"
            + "h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,"
            + "h1_spliced_bytes_out,";

    private static final String[] COLUMNS = HEADER.substring(2, HEADER.length() - 1).split(",");
    private static final Map<String, Integer> INDEX = new HashMap<>();

    static {
        for (int i = 0; i < COLUMNS.length; i++) {
            INDEX.put(COLUMNS[i], i);
        }
    }

    private static final int TYPE_FRONTEND = 0;
    private static final int TYPE_BACKEND = 1;
    private static final int TYPE_SERVER = 2;

    private CsvStats() {
    }

    static String render(RoutingTable table) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (StatsProxy p : StatsProxy.of(table)) {
            p.frontend().ifPresent(f -> line(sb, frontend(p, f)));
            p.backend().ifPresent(b -> {
                int sid = 1;
                for (Server s : b.servers()) {
                    line(sb, server(p, b, s, sid++));
                }
                line(sb, backend(p, b));
            });
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, Row row) {
        for (String v : row.values) {
            sb.append(v).append(',');
        }
        sb.append('\n');
    }

    /** One CSV line being filled by column name. */
    private static final class Row {
        final String[] values = new String[COLUMNS.length];

        Row(StatsProxy p, String svname, int type, int sid) {
            Arrays.fill(values, "");
            set("pxname", p.name());
            set("svname", svname);
            set("pid", 1);
            set("iid", p.iid());
            set("sid", sid);
            set("type", type);
            set("-", "-");
        }

        Row set(String column, Object value) {
            Integer i = INDEX.get(column);
            if (i == null) {
                throw new IllegalArgumentException("no column " + column + " in HAProxy 2.6's CSV");
            }
            values[i] = csvField(String.valueOf(value));
            return this;
        }

        /**
         * Counters every row kind has; the HTTP ones ({@code hrsp_*}, {@code req_tot}) only in
         * {@code mode http}, as HAProxy leaves them empty for tcp proxies.
         */
        Row traffic(ProxyCounters c, Mode mode) {
            set("mode", mode == Mode.TCP ? "tcp" : "http");
            set("scur", c.currentSessions());
            set("smax", c.maxSessions());
            set("stot", c.totalSessions());
            set("bin", c.bytesIn());
            set("bout", c.bytesOut());
            set("rate", c.sessionRate());
            set("rate_max", c.sessionRateMax());
            if (mode == Mode.TCP) {
                return this;
            }
            for (int k = 1; k <= 5; k++) {
                set("hrsp_" + k + "xx", c.responses(k));
            }
            set("hrsp_other", c.responses(0));
            set("req_tot", c.requests());
            return this;
        }

        /** Counters of the rows that talk to servers (backends and servers). */
        Row upstream(ProxyCounters c) {
            set("qcur", 0);
            set("qmax", 0);
            set("econ", c.connectErrors());
            set("eresp", c.responseErrors());
            set("wretr", c.retries());
            set("wredis", c.redispatches());
            set("lbtot", c.totalSessions());
            set("cli_abrt", c.clientAborts());
            set("srv_abrt", c.serverAborts());
            set("lastsess", c.secondsSinceLastSession());
            set("qtime", 0);
            set("ctime", millis(c.connectTime().averageNanos()));
            set("rtime", millis(c.responseTime().averageNanos()));
            set("ttime", millis(c.totalTime().averageNanos()));
            set("ctime_max", millis(c.connectTime().maxNanos()));
            set("rtime_max", millis(c.responseTime().maxNanos()));
            set("ttime_max", millis(c.totalTime().maxNanos()));
            return this;
        }
    }

    private static Row frontend(StatsProxy p, Frontend f) {
        ProxyCounters c = f.counters();
        Row r = new Row(p, "FRONTEND", TYPE_FRONTEND, 0).traffic(c, f.mode());
        if (f.maxconn() > 0) {
            r.set("slim", f.maxconn());
        }
        r.set("dreq", c.deniedRequests())
                .set("ereq", c.requestErrors())
                .set("status", "OPEN");
        if (f.mode() == Mode.HTTP) {
            r.set("req_rate", c.requestRate()).set("req_rate_max", c.requestRateMax());
        }
        return r.set("conn_rate", c.sessionRate())
                .set("conn_rate_max", c.sessionRateMax())
                .set("conn_tot", c.totalSessions());
    }

    private static Row server(StatsProxy p, Backend b, Server s, int sid) {
        ServerCounters c = s.counters();
        Row r = new Row(p, s.name(), TYPE_SERVER, sid).traffic(c, b.mode()).upstream(c)
                .set("status", StatsStatus.of(s))
                .set("weight", s.effectiveWeight())
                .set("uweight", s.effectiveWeight())
                .set("act", s.backup() ? 0 : 1)
                .set("bck", s.backup() ? 1 : 0)
                .set("lastchg", c.secondsSinceChange())
                .set("addr", s.address().getHostString() + ":" + s.address().getPort());
        if (s.maxconn() > 0) {
            r.set("slim", s.maxconn());
        }
        if (s.check()) {
            r.set("chkfail", c.failedChecks())
                    .set("chkdown", c.downTransitions())
                    .set("downtime", c.secondsDown())
                    .set("check_rise", s.rise())
                    .set("check_fall", s.fall());
            s.state().lastCheck().ifPresent(chk -> check(r, chk));
        }
        return r;
    }

    private static void check(Row r, CheckResult chk) {
        r.set("check_status", chk.status().name())
                .set("check_duration", chk.duration().toMillis())
                .set("check_desc", chk.status().description())
                .set("last_chk", chk.info());
        if (chk.code() > 0) {
            r.set("check_code", chk.code());
        }
    }

    private static Row backend(StatsProxy p, Backend b) {
        ProxyCounters c = b.counters();
        StatsStatus.BackendSummary sum = StatsStatus.BackendSummary.of(b);
        long lastChange = Long.MAX_VALUE;
        for (Server s : b.servers()) {
            lastChange = Math.min(lastChange, s.counters().secondsSinceChange());
        }
        if (lastChange == Long.MAX_VALUE) {
            lastChange = (System.nanoTime() - c.createdNanos()) / 1_000_000_000L;
        }
        return new Row(p, "BACKEND", TYPE_BACKEND, 0).traffic(c, b.mode()).upstream(c)
                .set("dreq", c.deniedRequests())
                .set("status", StatsStatus.of(b))
                .set("weight", sum.weight())
                .set("uweight", sum.weight())
                .set("act", sum.act())
                .set("bck", sum.bck())
                .set("chkdown", sum.downTransitions())
                .set("lastchg", lastChange)
                .set("algo", b.algorithm().keyword());
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000L;
    }

    /** HAProxy writes fields raw; a comma or line break would break every reader, so they are replaced. */
    private static String csvField(String v) {
        return v.indexOf(',') < 0 && v.indexOf('\n') < 0 ? v : v.replace(',', ' ').replace('\n', ' ');
    }
}
