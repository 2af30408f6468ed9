package dev.lb.server;

import dev.lb.core.config.ConfigException;
import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.ConfigText;
import dev.lb.core.config.LoadResult;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.table.RoutingTable;
import dev.lb.discovery.SourcePipeline;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

/**
 * The {@code lb} command line (SPEC section 1): run, {@code -c} to validate like
 * {@code haproxy -c}, {@code reload}, {@code version}.
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "usage: lb [-f FILE]... [--conf lb.conf]     run (serves examples/haproxy.cfg without -f)",
            "       lb -c -f FILE [-f FILE]...            check the configuration and exit",
            "       lb reload [--conf lb.conf]            make the running lb re-read its files now",
            "       lb version                            print the version");

    private Main() {
    }

    /** Held here: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("io.grpc");

    public static void main(String[] args) {
        System.setProperty("java.util.logging.SimpleFormatter.format",
                "%1$tF %1$tT.%1$tL [%4$s] %3$s: %5$s%6$s%n");
        // jetcd logs through SLF4J, which has no binding here: without this, SLF4J prints three
        // warning lines about the missing provider at every start. lb logs what etcd does itself.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        // gRPC (under jetcd) announces its transport at INFO; lb's own log says what matters.
        GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
        System.exit(run(args, System.out, System.err));
    }

    /** Parsed command line. */
    record Args(String command, List<Path> files, Optional<Path> conf, boolean check) {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args args;
        try {
            args = parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("lb: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        switch (args.command()) {
            case "version":
                out.println("lb " + version());
                return 0;
            case "help":
                out.println(USAGE);
                return 0;
            default:
                break;
        }
        ProcessConfig config;
        try {
            config = ProcessConfig.load(args.conf(), System.getenv());
        } catch (ProcessConfig.Invalid e) {
            err.println("lb: " + e.getMessage());
            return 2;
        }
        if (args.command().equals("reload")) {
            return new ReloadCommand(config, out, err).run();
        }
        List<Path> files = new ArrayList<>(config.files());
        files.addAll(args.files());
        if (args.check()) {
            return check(files, out, err);
        }
        return serve(config.withFiles(files), err);
    }

    static Args parse(String[] argv) {
        List<Path> files = new ArrayList<>();
        Optional<Path> conf = Optional.empty();
        boolean check = false;
        String command = "run";
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            switch (a) {
                case "-f" -> files.add(Path.of(value(argv, ++i, a)));
                case "--conf" -> conf = Optional.of(Path.of(value(argv, ++i, a)));
                case "-c" -> check = true;
                case "version", "-v", "--version" -> command = "version";
                case "-h", "--help", "help" -> command = "help";
                case "reload" -> command = "reload";
                default -> {
                    if (a.startsWith("--conf=")) {
                        conf = Optional.of(Path.of(a.substring(7)));
                    } else {
                        throw new IllegalArgumentException("unknown argument '" + a + "'");
                    }
                }
            }
        }
        if (check && files.isEmpty() && conf.isEmpty()) {
            throw new IllegalArgumentException("-c needs -f FILE");
        }
        return new Args(command, files, conf, check);
    }

    private static String value(String[] argv, int i, String flag) {
        if (i >= argv.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return argv[i];
    }

    private static int check(List<Path> files, PrintStream out, PrintStream err) {
        List<ConfigProblem> problems = new ArrayList<>();
        List<ConfigText> texts = new ConfigFiles(files).read(problems);
        if (problems.isEmpty()) {
            try {
                LoadResult r = SourcePipeline.validate(texts, RoutingTable.EMPTY, DnsLookup.NONE);
                for (ConfigProblem w : r.warnings()) {
                    err.println(w.format().replaceFirst(": ", ": warning: "));
                }
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            for (ConfigProblem p : problems) {
                err.println(p.format());
            }
            err.println("Fatal errors found in configuration.");
            return 1;
        }
        out.println("Configuration file is valid");
        return 0;
    }

    private static int serve(ProcessConfig config, PrintStream err) {
        // Handlers first: a stop signal that arrives while the listeners open must drain, not
        // kill the JVM (SIGUSR1's default action), and a SIGHUP then is a reload like any other.
        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<LbServer> running = new AtomicReference<>();
        Signal.handle(new Signal("HUP"), s -> {
            LbServer current = running.get();
            if (current != null) {
                new Thread(() -> current.reload("SIGHUP"), "lb-sighup").start();
            }
        });
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        try {
            // HAProxy's soft-stop: stop listening, finish what is in flight, exit.
            Signal.handle(new Signal("USR1"), s -> stop.countDown());
        } catch (IllegalArgumentException e) {
            System.getLogger("lb").log(System.Logger.Level.WARNING,
                    "SIGUSR1 is taken by the JVM: " + e.getMessage());
        }
        LbServer server;
        try {
            server = LbServer.start(config);
        } catch (LbServer.StartupException e) {
            for (String p : e.problems()) {
                err.println(p);
            }
            err.println("lb: not started");
            return 1;
        }
        running.set(server);
        awaitUninterruptibly(stop);
        System.getLogger("lb").log(System.Logger.Level.INFO,
                "stopping: draining for up to " + config.drainTimeout());
        server.stop(config.drainTimeout());
        return 0;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // keep waiting for a stop signal
            }
        }
    }
}
