package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Time values (configuration manual, 2.5): no unit means milliseconds. */
class HaproxyTimeTest {

    @ParameterizedTest
    @CsvSource({"5000,5000", "0,0", "1500us,2", "1us,1", "250ms,250", "5s,5000", "1m,60000", "2h,7200000",
            "1d,86400000", "24d,2073600000"})
    void readsUnits(String text, long millis) {
        assertEquals(millis, HaproxyTime.parse(text).toMillis(), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "5x", "5 s", "-5", "5S", "1.5s", "25d", "99999999999999999999"})
    void refusesWhatHaproxyRefuses(String text) {
        assertThrows(IllegalArgumentException.class, () -> HaproxyTime.parse(text), text);
    }
}
