package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.ConsulFixture;
import dev.lb.http.RawHttpClient;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import dev.lb.server.testing.Propagation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How long a Consul registration takes to reach routing: from the moment the agent API answers a
 * registrator-style {@code PUT /v1/agent/service/register} that moves a service to another port,
 * to the first request answered by the new table. Prints p50/p99 (and writes them to
 * {@code target/consul-propagation.txt}); asserts only that every change arrived. Consul is the
 * test fixture, which answers parked blocking queries as soon as it writes, as Consul's leader
 * does. {@code -Dlb.propagation.changes=N} runs more changes, {@code -Dlb.propagation.services=N}
 * registers N more services first.
 */
class ConsulPropagationTest {

    @Test
    void everyRegistrationReachesRoutingAndItsDelayIsMeasured() throws Exception {
        int changes = Integer.getInteger("lb.propagation.changes", 40);
        int others = Integer.getInteger("lb.propagation.services", 0);
        try (ConsulFixture consul = new ConsulFixture().start(); NamedBackends backends = new NamedBackends()) {
            int p1 = FreePort.on("127.0.0.40");
            int p2 = FreePort.on("127.0.0.40");
            backends.startAt("one", "127.0.0.40", p1);
            backends.startAt("two", "127.0.0.40", p2);
            HttpClient http = HttpClient.newHttpClient();
            register(http, consul, p1);
            for (int i = 0; i < others; i++) {
                consul.register("node" + (i % 50), "127.0.0.41", "s" + i + "-1", "s" + i, "127.0.0.41", 80,
                        "urlprefix-s" + i + ".example/");
            }
            try (DiscoveryLb lb = DiscoveryLb.start("prop", null, null, List.of(),
                    "lb.consul.address = \"" + consul.address() + "\"\n");
                    RawHttpClient client = new RawHttpClient(lb.http())) {
                lb.awaitBackend("p.example", "/", Duration.ofSeconds(30), "one");
                List<Long> micros = Propagation.measure(changes, client, "p.example",
                        (i, toTwo) -> register(http, consul, toTwo ? p2 : p1));
                Propagation.report("consul register", others + 1, micros, "consul-propagation.txt");
                assertEquals(changes, micros.size());
            }
        }
    }

    private static void register(HttpClient http, ConsulFixture consul, int port) throws Exception {
        String body = "{\"ID\":\"docker1:p:80\",\"Name\":\"p\",\"Tags\":[\"urlprefix-p.example/\"],"
                + "\"Address\":\"127.0.0.40\",\"Port\":" + port + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + consul.address()
                + "/v1/agent/service/register")).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }
}
