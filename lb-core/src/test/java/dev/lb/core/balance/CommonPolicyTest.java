package dev.lb.core.balance;

import static dev.lb.core.balance.TestServers.markFailed;
import static dev.lb.core.balance.TestServers.server;
import static dev.lb.core.balance.TestServers.weighted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.lb.core.table.Server;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What every algorithm must do the same way: backups, disabled servers, avoid, maxconn. */
class CommonPolicyTest {

    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void backupsServeOnlyWhenNoActiveServerIsUsable(Algorithm algorithm) {
        Server a = weighted("a", 1);
        Server b = weighted("b", 1);
        Server disabledBackup = server("bk0").backup(true).disabled(true).build();
        Server backup = server("bk1").backup(true).build();
        Server backup2 = server("bk2").backup(true).build();
        Balancer bal = Balancers.create(algorithm, List.of(a, disabledBackup, backup, b, backup2));
        for (int i = 0; i < 20; i++) {
            Server s = bal.choose(CLIENT, null);
            assertEquals(false, s.backup(), algorithm + " chose backup " + s + " with actives up");
        }
        markFailed(a);
        markFailed(b);
        for (int i = 0; i < 5; i++) {
            assertSame(backup, bal.choose(CLIENT, null), algorithm + ": the first usable backup");
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void disabledAndZeroWeightServersAreNeverChosen(Algorithm algorithm) {
        Server off = server("off").disabled(true).build();
        Server zero = weighted("zero", 0);
        Server on = weighted("on", 1);
        Balancer bal = Balancers.create(algorithm, List.of(off, zero, on));
        for (int i = 0; i < 20; i++) {
            assertSame(on, bal.choose(CLIENT, null), algorithm.keyword());
        }
        Balancer none = Balancers.create(algorithm, List.of(off, zero));
        assertNull(none.choose(CLIENT, null), algorithm + " with nothing usable");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void avoidIsSkippedWhileAnotherActiveServerExists(Algorithm algorithm) {
        Server a = weighted("a", 1);
        Server b = weighted("b", 1);
        Server backup = server("bk").backup(true).build();
        Balancer bal = Balancers.create(algorithm, List.of(a, b, backup));
        for (int i = 0; i < 10; i++) {
            assertSame(b, bal.choose(CLIENT, a), algorithm + " avoiding a");
        }
        markFailed(b);
        // a failed one request but is not marked failing: still preferred to a backup, as in HAProxy.
        assertSame(a, bal.choose(CLIENT, a), algorithm + " with only the avoided active server up");
        markFailed(a);
        assertSame(backup, bal.choose(CLIENT, a), algorithm + " with every active server failing");
        assertSame(backup, bal.choose(CLIENT, backup), algorithm + " avoid with nothing else left");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void serversAtMaxconnAreSkipped(Algorithm algorithm) {
        Server full = server("full").maxconn(1).build();
        Server free = server("free").maxconn(1).build();
        Balancer bal = Balancers.create(algorithm, List.of(full, free));
        full.state().acquire();
        for (int i = 0; i < 10; i++) {
            assertSame(free, bal.choose(CLIENT, null), algorithm.keyword());
        }
        free.state().acquire();
        assertNull(bal.choose(CLIENT, null), algorithm + " with every server at maxconn");
    }
}
