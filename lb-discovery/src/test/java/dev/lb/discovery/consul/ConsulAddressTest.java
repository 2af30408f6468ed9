package dev.lb.discovery.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ConsulAddressTest {

    @Test
    void acceptsTheFormsConsulsCliTakes() {
        assertEquals(new ConsulAddress(false, "127.0.0.1", 8500), ConsulAddress.parse("127.0.0.1:8500"));
        assertEquals(new ConsulAddress(false, "consul", 8500), ConsulAddress.parse("consul"));
        assertEquals(new ConsulAddress(false, "consul", 18500), ConsulAddress.parse(" http://consul:18500/ "));
        assertEquals(new ConsulAddress(true, "consul.example", 8501),
                ConsulAddress.parse("HTTPS://consul.example:8501"));
        assertEquals(new ConsulAddress(false, "[::1]", 8500), ConsulAddress.parse("[::1]"));
        assertEquals(URI.create("https://[::1]:8501"), ConsulAddress.parse("https://[::1]:8501").uri());
        assertEquals("127.0.0.1:8500", ConsulAddress.parse("http://127.0.0.1").toString());
        assertEquals("https://c:1", ConsulAddress.parse("https://c:1").toString());
    }

    @Test
    void rejectionsSayWhatIsWrong() {
        assertMessage("", "no Consul address given");
        assertMessage("unix:///var/run/consul.sock", "scheme must be http or https");
        assertMessage("consul:85x0", "port '85x0' is not a number");
        assertMessage("consul:0", "port 0 is out of range 1-65535");
        assertMessage("consul:70000", "port 70000 is out of range");
        assertMessage("http://consul:8500/v1", "expected host, host:port or http(s)://host:port");
        assertMessage("::1", "an IPv6 address must be written in brackets");
        assertMessage("[::1", "missing ']'");
        assertMessage(":8500", "missing host");
        assertMessage("a,b", "expected host, host:port");
    }

    private static void assertMessage(String text, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConsulAddress.parse(text));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
