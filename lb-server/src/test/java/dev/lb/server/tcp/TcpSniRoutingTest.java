package dev.lb.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.server.LbServer;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.HaproxyProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS passthrough routed by SNI: lb reads the ClientHello's server name (tcp-request
 * inspect-delay, req_ssl_sni) and relays the encrypted bytes to the backend for that name,
 * which terminates TLS with its own certificate; lb holds no certificate at all.
 */
class TcpSniRoutingTest {

    @TempDir
    static Path dir;

    private static final List<ServerSocket> BACKENDS = new ArrayList<>();
    private static String a;
    private static String b;
    private static String fallback;

    @BeforeAll
    static void startTlsBackends() throws Exception {
        a = tlsBackend("127.0.0.2", "a.example.com");
        b = tlsBackend("127.0.0.3", "b.example.com");
        fallback = tlsBackend("127.0.0.4", "default.example.com");
    }

    @AfterAll
    static void stopTlsBackends() throws IOException {
        for (ServerSocket s : BACKENDS) {
            s.close();
        }
    }

    @Test
    void theBackendChosenBySniTerminatesTls() throws Exception {
        int port = FreePort.on("127.0.0.1");
        Path cfg = dir.resolve("haproxy.cfg");
        try (LbServer lb = TcpTestSupport.start(cfg, config(port), Duration.ofSeconds(1))) {
            assertEquals("a.example.com via CN=a.example.com", javaClient(port, "a.example.com"));
            assertEquals("b.example.com via CN=b.example.com", javaClient(port, "B.Example.COM"),
                    "-i matches the name in any case");
            assertEquals("default.example.com via CN=default.example.com", javaClient(port, "c.example.com"),
                    "an unknown name goes to the default backend");
            String openssl = opensslClient(port, "b.example.com");
            assertTrue(openssl.contains("CN = b.example.com") || openssl.contains("CN=b.example.com"),
                    "openssl s_client -servername b.example.com reached b's certificate:\n" + openssl);
        }
    }

    @Test
    void routesByServerNameAsHaproxyDoes() throws Exception {
        int lbPort = FreePort.on("127.0.0.1");
        int haproxyPort = FreePort.on("127.0.0.1");
        Path haproxyDir = dir.resolve("haproxy");
        java.nio.file.Files.createDirectories(haproxyDir);
        try (LbServer lb = TcpTestSupport.start(dir.resolve("lb.cfg"), config(lbPort), Duration.ofSeconds(1));
                HaproxyProcess haproxy = HaproxyProcess.start(haproxyDir, config(haproxyPort),
                        new InetSocketAddress("127.0.0.1", haproxyPort))) {
            for (String name : List.of("a.example.com", "A.EXAMPLE.COM", "b.example.com", "x.b.example.com",
                    "example.com", "a.example.com.evil")) {
                assertEquals(javaClient(haproxyPort, name), javaClient(lbPort, name),
                        "SNI " + name + ": lb must reach the backend HAProxy reaches");
            }
        }
    }

    private static String config(int port) {
        return TcpTestSupport.DEFAULTS + "frontend tls_in\n    bind 127.0.0.1:" + port + "\n"
                + "    tcp-request inspect-delay 5s\n"
                + "    tcp-request content accept if { req_ssl_hello_type 1 }\n"
                + "    use_backend tls_a if { req_ssl_sni -i a.example.com }\n"
                + "    use_backend tls_b if { req.ssl_sni -i b.example.com }\n"
                + "    default_backend tls_default\n"
                + "backend tls_a\n    server a " + a + "\n"
                + "backend tls_b\n    server b " + b + "\n"
                + "backend tls_default\n    server d " + fallback + "\n";
    }

    /** Connects through lb with SNI {@code name}; returns the backend's greeting and certificate subject. */
    private static String javaClient(int port, String name) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustAll()}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(name)));
            s.setSSLParameters(p);
            s.startHandshake();
            X509Certificate cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
            String greeting = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            return greeting + " via " + cert.getSubjectX500Principal().getName();
        }
    }

    private static String opensslClient(int port, String name) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", name)
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl s_client finished");
        return out;
    }

    /** A TLS server with a self-signed certificate for {@code cn}, greeting with {@code cn}. */
    private static String tlsBackend(String host, String cn) throws Exception {
        Path store = dir.resolve(cn + ".p12");
        Process keytool = new ProcessBuilder("keytool", "-genkeypair", "-alias", "k", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=" + cn, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getByName(host));
        BACKENDS.add(ss);
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    Thread c = new Thread(() -> greet(s, cn), "tls-conn-" + cn);
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "tls-backend-" + cn);
        t.setDaemon(true);
        t.start();
        return host + ":" + ss.getLocalPort();
    }

    private static void greet(Socket s, String cn) {
        try (s) {
            ((SSLSocket) s).startHandshake();
            OutputStream out = s.getOutputStream();
            out.write((cn + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // the client went away
        }
    }

    /** The backends' certificates are self-signed: the test checks which one it got, not whom to trust. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
