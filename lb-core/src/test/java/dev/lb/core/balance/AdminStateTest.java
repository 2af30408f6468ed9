package dev.lb.core.balance;

import static dev.lb.core.balance.TestServers.counts;
import static dev.lb.core.balance.TestServers.picks;
import static dev.lb.core.balance.TestServers.server;
import static dev.lb.core.balance.TestServers.weighted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.lb.core.table.AdminState;
import dev.lb.core.table.Server;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Run-time administration (runtime API) as every balancer must follow it, without a new table. */
class AdminStateTest {

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void maintAndDrainServersGetNothingNewAndReadyBringsThemBack(Algorithm algorithm) {
        Server a = weighted("a", 1);
        Server b = weighted("b", 1);
        Balancer bal = Balancers.create(algorithm, List.of(a, b));
        for (AdminState off : new AdminState[] {AdminState.MAINT, AdminState.DRAIN}) {
            a.state().setAdminState(off);
            assertFalse(picks(bal, 20).contains("a"), algorithm + ": a in " + off + " was chosen");
            a.state().setAdminState(AdminState.READY);
            b.state().setAdminState(AdminState.MAINT);
            assertSame(a, bal.choose(null, null), algorithm + ": a is the only READY server");
            b.state().setAdminState(AdminState.READY);
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void configuredDisabledServerCanBeEnabled(Algorithm algorithm) {
        Server off = server("off").disabled(true).build();
        Balancer bal = Balancers.create(algorithm, List.of(off));
        assertNull(bal.choose(null, null), algorithm + ": disabled server chosen");
        off.state().setAdminState(AdminState.READY);
        assertSame(off, bal.choose(null, null), algorithm + ": enabled server not chosen");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void weightZeroTakesNoNewTrafficAndARaisedWeightBringsItBack(Algorithm algorithm) {
        Server a = weighted("a", 1);
        Server zero = weighted("zero", 0);
        Balancer bal = Balancers.create(algorithm, List.of(a, zero));
        a.setWeight(0);
        assertNull(bal.choose(null, null), algorithm + ": every weight is 0");
        zero.setWeight(5);
        assertSame(zero, bal.choose(null, null), algorithm + ": zero now has weight 5");
    }

    @Test
    void roundRobinFollowsAChangedWeightImmediately() {
        Server a = weighted("a", 1);
        Server b = weighted("b", 1);
        Balancer bal = Balancers.create(Algorithm.ROUNDROBIN, List.of(a, b));
        assertEquals(Map.of("a", 50, "b", 50), counts(picks(bal, 100)));
        a.setWeight(3);
        assertEquals(Map.of("a", 75, "b", 25), counts(picks(bal, 100)));
    }

    @Test
    void runTimeWeightHoldsOnlyWhileTheConfiguredWeightIsUnchanged() {
        Server a = weighted("a", 2);
        a.setWeight(7);
        assertEquals(7, a.effectiveWeight());
        Server sameFile = weighted("a2", 2).withState(a.state());
        assertEquals(7, sameFile.effectiveWeight(), "a reload with the same configured weight keeps 7");
        Server changedFile = server("a3").weight(4).state(a.state()).build();
        assertEquals(4, changedFile.effectiveWeight(), "a reload that changes the weight in the file wins");
    }
}
