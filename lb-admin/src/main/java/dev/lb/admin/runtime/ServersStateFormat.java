package dev.lb.admin.runtime;

import dev.lb.core.table.AdminState;
import dev.lb.core.table.Backend;
import dev.lb.core.table.CheckResult;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;

/**
 * {@code show servers state}: HAProxy 2.6's server-state format, version line {@code 1} then
 * the column header and one line per server. Ids are declaration positions (backends from 1,
 * servers from 1 per backend); values lb has no equivalent for are HAProxy's neutral ones.
 */
final class ServersStateFormat {

    static final String HEADER = "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
            + "srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result "
            + "srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn "
            + "srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port";

    private ServersStateFormat() {
    }

    /** The whole table, or only {@code backend} when given (an unknown one: HAProxy's error). */
    static String render(RoutingTable table, String backend) {
        if (backend != null && !table.backends().containsKey(backend)) {
            return "Can't find backend.\n";
        }
        StringBuilder sb = new StringBuilder("1\n").append(HEADER).append('\n');
        int beId = 0;
        for (Backend b : table.backends().values()) {
            beId++;
            if (backend != null && !backend.equals(b.name())) {
                continue;
            }
            int srvId = 0;
            for (Server s : b.servers()) {
                srvId++;
                sb.append(beId).append(' ').append(b.name()).append(' ').append(srvId).append(' ')
                        .append(s.name()).append(' ').append(s.address().getAddress().getHostAddress())
                        .append(' ').append(opState(s)).append(' ').append(adminBits(s))
                        .append(' ').append(s.effectiveWeight()).append(' ').append(s.weight())
                        .append(" 0 ").append(checkStatus(s)).append(' ').append(checkResult(s))
                        .append(' ').append(s.check() ? (s.down() ? 0 : s.rise() + s.fall() - 1) : 0)
                        .append(' ').append(s.check() ? 6 : 0)
                        .append(" 0 0 0 - ").append(s.address().getPort())
                        .append(" - 0 ").append(s.checkPort().orElse(0))
                        .append(' ').append(s.checkAddr().map(a -> a.getHostAddress()).orElse("-"))
                        .append(" - 0\n");
            }
        }
        return sb.toString();
    }

    /** SRV_ST_STOPPED 0 (down or in maintenance) or SRV_ST_RUNNING 2. */
    private static int opState(Server s) {
        return s.adminState() == AdminState.MAINT || s.down() ? 0 : 2;
    }

    /** SRV_ADMF_FMAINT 0x01 (set at run time), CMAINT 0x04 (configured disabled), FDRAIN 0x08. */
    private static int adminBits(Server s) {
        AdminState a = s.adminState();
        if (a == AdminState.MAINT) {
            return s.state().adminState().isPresent() ? 0x01 : 0x04;
        }
        return a == AdminState.DRAIN ? 0x08 : 0;
    }

    /** HCHK_STATUS_* numbers of HAProxy's checks.h; 0 (unknown) before the first check. */
    private static int checkStatus(Server s) {
        CheckResult r = s.state().lastCheck().orElse(null);
        if (r == null) {
            return 0;
        }
        return switch (r.status()) {
            case L4OK -> 5;
            case L4TOUT -> 6;
            case L4CON -> 7;
            case L7TOUT -> 11;
            case L7RSP -> 12;
            case L7OK -> 13;
            case L7STS -> 15;
        };
    }

    /** CHK_RES_UNKNOWN 0, FAILED 2, PASSED 3. */
    private static int checkResult(Server s) {
        return s.state().lastCheck().map(r -> r.passed() ? 3 : 2).orElse(0);
    }
}
