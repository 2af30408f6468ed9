package dev.lb.server;

import java.io.IOException;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URL;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code lb reload} (SPEC section 1): asks the running lb to re-read its files through the
 * runtime socket's {@code reload} command, else through {@code POST /api/reload} on
 * {@code lb.admin.bind}. Exit 0 only when the new table is live; else the errors and exit 1.
 */
final class ReloadCommand {

    private final ProcessConfig config;
    private final PrintStream out;
    private final PrintStream err;

    ReloadCommand(ProcessConfig config, PrintStream out, PrintStream err) {
        this.config = config;
        this.out = out;
        this.err = err;
    }

    int run() {
        String socketFailure;
        if (Files.exists(config.adminSocket())) {
            try {
                return viaSocket();
            } catch (IOException e) {
                socketFailure = config.adminSocket() + ": " + e.getMessage();
            }
        } else {
            socketFailure = config.adminSocket() + ": no such socket";
        }
        try {
            return viaHttp();
        } catch (IOException e) {
            err.println("lb reload: no running lb answered (" + socketFailure + "; " + url() + ": "
                    + e.getMessage() + ")");
            return 1;
        }
    }

    /** The runtime API answers {@code Success=1|0}, {@code --}, then details or errors. */
    private int viaSocket() throws IOException {
        String answer;
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(config.adminSocket()));
            c.write(ByteBuffer.wrap("reload\n".getBytes(StandardCharsets.US_ASCII)));
            c.shutdownOutput();
            answer = new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
        }
        String[] lines = answer.split("\n");
        if (lines.length == 0 || !lines[0].startsWith("Success=")) {
            throw new IOException("unexpected answer '" + answer.strip() + "'");
        }
        boolean ok = lines[0].equals("Success=1");
        for (int i = 1; i < lines.length; i++) {
            if (!lines[i].equals("--") && !lines[i].isEmpty()) {
                (ok ? out : err).println(lines[i]);
            }
        }
        return ok ? 0 : 1;
    }

    private int viaHttp() throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url()).openConnection();
        c.setRequestMethod("POST");
        c.setConnectTimeout(5000);
        c.setReadTimeout(120_000);
        List<String> users = config.adminUsers();
        if (!users.isEmpty()) {
            c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString(users.get(0).getBytes(StandardCharsets.UTF_8)));
        }
        c.setDoOutput(true);
        c.getOutputStream().close();
        int status = c.getResponseCode();
        String body = new String((status < 400 ? c.getInputStream() : c.getErrorStream()).readAllBytes(),
                StandardCharsets.UTF_8);
        if (status == 200) {
            Matcher v = Pattern.compile("\"version\":(\\d+)").matcher(body);
            out.println("table version " + (v.find() ? v.group(1) : "?") + " is live");
            return 0;
        }
        if (status == 422) {
            for (String e : errors(body)) {
                err.println(e);
            }
            return 1;
        }
        err.println("lb reload: " + url() + " answered " + status + ": " + body.strip());
        return 1;
    }

    /** The strings of the {@code "errors"} array of the admin API's JSON answer. */
    static List<String> errors(String json) {
        List<String> out = new ArrayList<>();
        int at = json.indexOf("\"errors\":[");
        if (at < 0) {
            return out;
        }
        Matcher m = Pattern.compile("\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*([,\\]])").matcher(json);
        int from = at + 10;
        // One string after another, each followed by ',' or by the ']' that ends the array.
        while (m.find(from) && m.start() == from) {
            out.add(m.group(1).replace("\\\"", "\"").replace("\\n", "\n").replace("\\t", "\t")
                    .replace("\\\\", "\\"));
            if (m.group(2).equals("]")) {
                break;
            }
            from = m.end();
        }
        return out;
    }

    /** {@code lb.admin.bind} as a URL; a wildcard address means this host. */
    private String url() {
        InetSocketAddress a = config.adminBind();
        String host = a.getAddress() == null || a.getAddress().isAnyLocalAddress() ? "127.0.0.1"
                : a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + a.getPort() + "/api/reload";
    }
}
