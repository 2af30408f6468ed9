package dev.lb.discovery.testing;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's real {@code /usr/sbin/dnsmasq} as a test DNS server on 127.0.0.1 (TESTENV.md):
 * host records from an {@code --addn-hosts} file that {@link #hosts} rewrites (dnsmasq re-reads
 * it on SIGHUP), SRV records fixed at start, every query logged so tests can count them.
 * Every name outside the records is NXDOMAIN ({@code --local=/#/}), never forwarded.
 *
 * <p>Its own checks ask from 127.0.0.254, so {@link #queries} counts only other clients' questions.
 */
public final class Dnsmasq implements AutoCloseable {

    private static final Pattern QUERY = Pattern.compile("query\\[(\\w+)] (\\S+) from (\\S+)");
    /** Where this fixture's own check queries come from, to tell them apart in the log. */
    private static final String PROBE_SOURCE = "127.0.0.254";

    private final Path dir;
    private final Path hostsFile;
    private final Path log;
    private final int port;
    private final List<String> options = new ArrayList<>();
    private Map<String, List<String>> hosts = Map.of();
    private Process process;

    private Dnsmasq(Path logDir) {
        try {
            Files.createDirectories(logDir);
            // dnsmasq reads the hosts file as user nobody after it drops root: a directory of its
            // own that anyone may read (a JUnit @TempDir is 0700)
            this.dir = Files.createTempDirectory("lb-dnsmasq-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.hostsFile = this.dir.resolve("addn-hosts");
        this.log = logDir.resolve("dnsmasq.log");
        this.port = FreePort.on("127.0.0.1");
    }

    /**
     * A dnsmasq with these host records (name to IPv4/IPv6 addresses), not started yet; its log
     * goes to {@code logDir}.
     */
    public static Dnsmasq create(Path logDir, Map<String, List<String>> hosts) {
        Dnsmasq d = new Dnsmasq(logDir);
        d.hosts = copy(hosts);
        d.writeHosts();
        return d;
    }

    /**
     * Adds an SRV record ({@code --srv-host}, fixed for the process's life: call before
     * {@link #start}); give the target a host record to have its address in the additional section.
     */
    public Dnsmasq srv(String service, String target, int port, int priority, int weight) {
        options.add("--srv-host=" + service + "," + target + "," + port + "," + priority + "," + weight);
        return this;
    }

    /** The TTL of host records in answers ({@code --local-ttl}, 0 by default); call before {@link #start}. */
    public Dnsmasq ttl(int seconds) {
        options.add("--local-ttl=" + seconds);
        return this;
    }

    /** Starts dnsmasq (again, on the same port after {@link #stop}) and waits until it answers. */
    public Dnsmasq start() {
        List<String> cmd = new ArrayList<>(List.of("/usr/sbin/dnsmasq", "--keep-in-foreground",
                "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--port=" + port,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=", "--user=nobody",
                "--log-facility=-", "--log-queries", "--local=/#/", "--addn-hosts=" + hostsFile));
        cmd.addAll(options);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start dnsmasq (bin/test installs dnsmasq-base)", e);
        }
        awaitAnswers(hosts);
        return this;
    }

    /** Stops dnsmasq (SIGTERM); queries then time out. {@link #start} brings it back. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** For {@code lb.dns.servers} / a ResolversSpec. */
    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /**
     * Replaces the host records, has dnsmasq re-read them (SIGHUP, no restart) and waits until
     * it answers the new data for every name of the old and new sets.
     */
    public void hosts(Map<String, List<String>> newHosts) {
        Map<String, List<String>> expected = new TreeMap<>();
        hosts.keySet().forEach(n -> expected.put(n, List.of()));
        expected.putAll(copy(newHosts));
        hosts = copy(newHosts);
        writeHosts();
        if (process != null) {
            signal("HUP");
            awaitAnswers(expected);
        }
    }

    /** How many questions of this type (A, AAAA, SRV) for this name clients other than the fixture sent. */
    public int queries(String type, String name) {
        int n = 0;
        Matcher m = QUERY.matcher(log());
        while (m.find()) {
            if (m.group(1).equalsIgnoreCase(type) && m.group(2).equalsIgnoreCase(name)
                    && !m.group(3).equals(PROBE_SOURCE)) {
                n++;
            }
        }
        return n;
    }

    /** Everything dnsmasq printed, for counts and failure messages. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Files.deleteIfExists(hostsFile);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover file in /tmp; not worth failing a test for
        }
    }

    private void awaitAnswers(Map<String, List<String>> expected) {
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            TreeSet<String> want = new TreeSet<>();
            for (String a : e.getValue()) {
                if (!a.contains(":")) {
                    want.add(a);
                }
            }
            Await.until("dnsmasq answering A " + e.getKey() + " = " + want, Duration.ofSeconds(10),
                    () -> want.equals(probeA(e.getKey())), this::log);
        }
        Await.until("dnsmasq answering", Duration.ofSeconds(10), () -> probeA("probe.invalid") != null,
                this::log);
    }

    /** The A records dnsmasq answers for a name now, or null when it does not answer. */
    private TreeSet<String> probeA(String name) {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("dnsmasq exited; " + log());
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(PROBE_SOURCE, 0))) {
            socket.setSoTimeout(200);
            int id = ThreadLocalRandom.current().nextInt(1 << 16);
            byte[] q = question(id, name);
            socket.send(new DatagramPacket(q, q.length, address()));
            byte[] buf = new byte[4096];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.receive(p);
            return answersA(ByteBuffer.wrap(buf, 0, p.getLength()), id);
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** RFC 1035 4.1: a header with RD set and one A question. */
    private static byte[] question(int id, String name) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0);
        for (String label : name.split("\\.")) {
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            b.put((byte) l.length).put(l);
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private static TreeSet<String> answersA(ByteBuffer b, int id) throws IOException {
        if ((b.getShort(0) & 0xffff) != id) {
            return null;
        }
        int answers = b.getShort(6) & 0xffff;
        b.position(12);
        skipName(b);
        b.position(b.position() + 4);
        TreeSet<String> out = new TreeSet<>();
        for (int i = 0; i < answers; i++) {
            skipName(b);
            int type = b.getShort() & 0xffff;
            b.position(b.position() + 6);
            int length = b.getShort() & 0xffff;
            byte[] data = new byte[length];
            b.get(data);
            if (type == 1 && length == 4) {
                out.add(InetAddress.getByAddress(data).getHostAddress());
            }
        }
        return out;
    }

    private static void skipName(ByteBuffer b) {
        while (true) {
            int len = b.get() & 0xff;
            if (len == 0) {
                return;
            }
            if ((len & 0xc0) == 0xc0) {
                b.get(); // a compression pointer ends the name
                return;
            }
            b.position(b.position() + len);
        }
    }

    private void writeHosts() {
        StringBuilder sb = new StringBuilder();
        hosts.forEach((name, addresses) ->
                addresses.forEach(a -> sb.append(a).append(' ').append(name).append('\n')));
        try {
            Path tmp = dir.resolve("addn-hosts.tmp");
            Files.writeString(tmp, sb.toString());
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, hostsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " dnsmasq failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> hosts) {
        Map<String, List<String>> out = new TreeMap<>();
        hosts.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        return out;
    }
}
