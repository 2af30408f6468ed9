package dev.lb.admin.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Socat;
import dev.lb.admin.AdminFixture;
import dev.lb.core.table.AdminState;
import dev.lb.core.table.Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime API over a real UNIX socket, driven with {@code socat} as scripts do. */
class RuntimeApiTest {

    private static final String CFG = String.join("\n",
            "defaults", "  mode http", "  timeout connect 1s", "  timeout client 5s", "  timeout server 5s",
            "frontend web", "  bind 127.0.0.1:18080", "  default_backend app",
            "backend app", "  server s1 127.0.0.1:9001 weight 2", "  server s2 127.0.0.1:9002 check",
            "  server off 127.0.0.1:9003 disabled", "");

    @TempDir
    Path dir;
    private final AdminFixture fx = new AdminFixture();
    private RuntimeServer server;
    private Path socket;

    @BeforeEach
    void start() throws IOException {
        fx.publish(CFG);
        server = new RuntimeServer(new RuntimeCommands(fx.tables, AdminFixture.STATS, fx, "1.2.3"));
        socket = dir.resolve("run/lb/admin.sock");
        server.listenUnix(socket);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void showStatAnswersTheCsvThroughSocat() throws Exception {
        assertEquals(AdminFixture.STATS.csv(), socat("show stat"));
    }

    @Test
    void showInfoHasHaproxyKeys() throws Exception {
        String info = socat("show info");
        assertTrue(info.contains("\nVersion: 1.2.3\n"), info);
        assertTrue(info.contains("\nPid: " + ProcessHandle.current().pid() + "\n"), info);
        assertTrue(info.matches("(?s).*\nUptime_sec: (8|9)\\d\n.*"), info);
        assertTrue(info.contains("\nCurrConns: 0\n"), info);
    }

    @Test
    void showServersStateIsHaproxyFormatVersion1() throws Exception {
        String[] lines = socat("show servers state").split("\n");
        assertEquals("1", lines[0]);
        assertTrue(lines[1].startsWith("# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state"),
                lines[1]);
        assertEquals(5, lines.length, String.join("\n", lines));
        assertTrue(lines[2].startsWith("1 app 1 s1 127.0.0.1 2 0 2 2 "), lines[2]);
        assertTrue(lines[4].startsWith("1 app 3 off 127.0.0.1 0 4 1 1 "),
                "configured maintenance: " + lines[4]);
        assertEquals("Can't find backend.\n", socat("show servers state nope"));
    }

    @Test
    void weightsAreReadAndSetAsHaproxyWordsThem() throws Exception {
        assertEquals("2 (initial 2)\n", socat("get weight app/s1"));
        assertEquals("", socat("set weight app/s1 7"));
        assertEquals("7 (initial 2)\n", socat("get weight app/s1"));
        assertEquals(7, server("s1").effectiveWeight());
        assertEquals("", socat("set weight app/s1 50%"));
        assertEquals("1 (initial 2)\n", socat("get weight app/s1"));
        assertEquals("No such backend.\n", socat("get weight nope/s1"));
        assertEquals("No such server.\n", socat("set weight app/nope 3"));
        assertEquals("Absolute weight can only be between 0 and 256 inclusive.\n",
                socat("set weight app/s1 300"));
    }

    @Test
    void serverStatesChangeAndSurviveAReload() throws Exception {
        assertEquals("", socat("disable server app/s1"));
        assertEquals(AdminState.MAINT, server("s1").adminState());
        assertEquals("", socat("set server app/s2 state drain"));
        assertEquals(AdminState.DRAIN, server("s2").adminState());
        assertEquals("", socat("enable server app/off"));
        assertEquals(AdminState.READY, server("off").adminState());
        fx.publish(CFG.replace("check", "check inter 3s"));
        assertEquals(AdminState.MAINT, server("s1").adminState(), "kept across a reload");
        assertEquals(AdminState.DRAIN, server("s2").adminState(), "kept across a reload");
        assertEquals(AdminState.READY, server("off").adminState(), "kept across a reload");
        assertEquals("", socat("set server app/s1 state ready"));
        assertEquals(AdminState.READY, server("s1").adminState());
        assertEquals("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n",
                socat("set server app/s1 state bogus"));
    }

    @Test
    void reloadAnswersSuccessThenErrors() throws Exception {
        fx.nextReload(CFG.replace("weight 2", "weight 3"));
        String ok = socat("reload");
        assertTrue(ok.startsWith("Success=1\n--\n"), ok);
        fx.nextReload(CFG + "backend app\n  server x 127.0.0.1:1\n");
        String bad = socat("reload");
        assertTrue(bad.startsWith("Success=0\n--\ntest.cfg:13: "), bad);
    }

    @Test
    void unknownCommandsListTheValidOnes() throws Exception {
        String out = socat("frobnicate");
        assertTrue(out.startsWith("Unknown command: 'frobnicate'\n"), out);
        assertTrue(out.contains("show servers state"), out);
    }

    /**
     * A client that sends its command, shuts its sending side (as socat does) and reads slower
     * than lb writes gets the whole answer of a large table. It came back cut at a few hundred KB:
     * the close on the client's FIN did not wait for the write, and Netty's epoll transport
     * dropped the half-closed socket from epoll (see EpollRegistration).
     */
    @Test
    void aLongAnswerReachesASlowHalfClosedReaderWhole() throws Exception {
        StringBuilder cfg = new StringBuilder(CFG);
        for (int i = 0; i < 4000; i++) {
            cfg.append("backend b").append(i)
                    .append("\n  server s1 127.0.0.1:9001\n  server s2 127.0.0.1:9002\n");
        }
        fx.publish(cfg.toString());
        String expected = new RuntimeCommands(fx.tables, AdminFixture.STATS, fx, "1.2.3")
                .execute("show servers state");
        assertTrue(expected.length() > 500_000, "an answer far beyond a socket buffer: " + expected.length());
        try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(socket));
            ch.write(java.nio.ByteBuffer.wrap("show servers state\n".getBytes(StandardCharsets.US_ASCII)));
            ch.shutdownOutput();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
            while (ch.read(buf.clear()) >= 0) {
                got.write(buf.array(), 0, buf.position());
                Thread.sleep(1); // a slow reader: the behaviour under test, not a wait
            }
            assertEquals(expected + "\n", got.toString(StandardCharsets.UTF_8),
                    "the whole answer and the empty line");
        }
    }

    @Test
    void severalCommandsOnOneLineAndPromptMode() throws Exception {
        assertEquals("2 (initial 2)\n\n1 (initial 1)\n", socat("get weight app/s1; get weight app/s2"));
        try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(socket));
            InputStream in = java.nio.channels.Channels.newInputStream(ch);
            OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
            out.write("prompt\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("\n> ", read(in, 3));
            out.write("get weight app/s1\n".getBytes(StandardCharsets.US_ASCII));
            String answer = "2 (initial 2)\n\n> ";
            assertEquals(answer, read(in, answer.length()), "answer, empty line, prompt");
            out.write("get weight app/s2\n".getBytes(StandardCharsets.US_ASCII));
            answer = "1 (initial 1)\n\n> ";
            assertEquals(answer, read(in, answer.length()), "the connection stays open");
            out.write("quit\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, in.read(), "quit closes");
        }
    }

    @Test
    void tcpListenerAnswersToo() throws Exception {
        InetSocketAddress at = server.listenTcp(new InetSocketAddress("127.0.0.1", 0));
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.getOutputStream().write("get weight app/s1\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("2 (initial 2)\n\n",
                    new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void staleSocketIsReplacedLiveOneIsLeftAndCloseRemovesIt() throws Exception {
        Path stale = dir.resolve("stale.sock");
        Files.createFile(stale);
        RuntimeServer other = new RuntimeServer(new RuntimeCommands(fx.tables, AdminFixture.STATS, fx, "x"));
        other.listenUnix(stale);
        assertEquals(AdminFixture.STATS.csv(), socat(stale, "show stat"));
        assertThrows(IOException.class, () -> other.listenUnix(socket), "the socket of a live lb is not taken");
        other.close();
        assertFalse(Files.exists(stale), "close removes the socket file");
        assertEquals(AdminFixture.STATS.csv(), socat("show stat"), "the live one still answers");
    }

    @Test
    void hatopReadsInfoAndStatsInInteractiveMode() throws Exception {
        // A CSV line as wide as HAProxy 2.6's, so that hatop's parser takes it (iid 1, sid 0).
        String[] cols = new String[100];
        java.util.Arrays.fill(cols, "");
        cols[0] = "web";
        cols[1] = "FRONTEND";
        cols[27] = "1";
        cols[28] = "0";
        String csv = "# pxname,svname\n" + String.join(",", cols) + "\n";
        dev.lb.admin.StatsView wide = new dev.lb.admin.StatsView() {
            @Override
            public String csv() {
                return csv;
            }

            @Override
            public String prometheus() {
                return "";
            }

            @Override
            public String html(dev.lb.admin.StatsPage page, dev.lb.admin.AdminStatus status) {
                return "";
            }
        };
        Path hatopSocket = dir.resolve("hatop.sock");
        RuntimeServer forHatop = new RuntimeServer(new RuntimeCommands(fx.tables, wide, fx, "1.2.3"));
        try {
            forHatop.listenUnix(hatopSocket);
            // hatop's own socket and parsing code, without its curses screen.
            String script = String.join("\n",
                    "import runpy, sys",
                    "h = runpy.run_path('/usr/bin/hatop', run_name='hatop')",
                    "s = h['Socket'](sys.argv[1])",
                    "s.connect()",
                    "d = h['SocketData'](s)",
                    "d.update_info()",
                    "d.update_stat()",
                    "print(d.info['software_name'], d.info['software_version'], d.info['pid'], d.pxcount)",
                    "s.close()");
            Process p = new ProcessBuilder("python3", "-c", script, hatopSocket.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "hatop did not finish");
            assertEquals(0, p.exitValue(), out);
            assertEquals("lb 1.2.3 " + ProcessHandle.current().pid() + " 1\n", out);
        } finally {
            forHatop.close();
        }
    }

    private Server server(String name) {
        return fx.tables.get().backends().get("app").servers().stream().filter(s -> s.name().equals(name))
                .findFirst().orElseThrow();
    }

    private String socat(String command) throws Exception {
        return socat(socket, command);
    }

    static String socat(Path socket, String command) throws Exception {
        return Socat.ask(socket, command);
    }

    private static String read(InputStream in, int n) throws IOException {
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
