package dev.lb.discovery.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EtcdEndpointsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "etcd                               | http://etcd:2379",
        "127.0.0.1:4001                     | http://127.0.0.1:4001",
        "http://etcd-1:2379                 | http://etcd-1:2379",
        "HTTPS://etcd.example.com           | https://etcd.example.com:2379",
        "http://10.0.0.1:2379/              | http://10.0.0.1:2379",
        "[::1]                              | http://[::1]:2379",
        "[fd00::1]:2380                     | http://[fd00::1]:2380",
        "https://[2001:db8::7]:2379         | https://[2001:db8::7]:2379",
        "' a:1 , b '                        | http://a:1 http://b:2379",
    })
    void acceptsTheFormsEtcdUsersWrite(String text, String expected) {
        List<URI> parsed = EtcdEndpoints.parse(text);
        assertEquals(List.of(expected.split(" ")).stream().map(URI::create).toList(), parsed);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "''                      | no etcd endpoint",
        "a,,b                    | empty etcd endpoint",
        "ftp://a:1               | scheme must be http or https",
        "a:port                  | 'a:port': port 'port' is not a number",
        "a:0                     | port 0 is out of range",
        "a:65536                 | port 65536 is out of range",
        "::1                     | IPv6 address must be written in brackets",
        "[::1                    | missing ']'",
        "[etcd]:1                | is not an IPv6 address",
        "http://a:1/v2/keys      | nothing else",
        ":2379                   | missing host",
        "http://a:1,https://b:1  | mix http and https",
        "user@etcd:2379          | nothing else",
    })
    void rejectsMistakesWithAMessageNamingThem(String text, String message) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> EtcdEndpoints.parse(text));
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
    }
}
