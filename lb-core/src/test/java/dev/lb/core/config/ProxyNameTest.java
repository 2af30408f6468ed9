package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written proxy name check accepts exactly what HAProxy's character class does. */
class ProxyNameTest {

    @Test
    void acceptsExactlyHaproxysProxyNameCharacters() {
        Pattern haproxy = Pattern.compile("[A-Za-z0-9_.:-]*");
        for (char c = 0; c < 0x3000; c++) {
            String name = "a" + c + "b";
            assertEquals(haproxy.matcher(name).matches(), ConfigReader.isProxyName(name),
                    "name with U+" + Integer.toHexString(c));
        }
        assertEquals(true, ConfigReader.isProxyName(""), "the empty name (reported as missing elsewhere)");
    }
}
