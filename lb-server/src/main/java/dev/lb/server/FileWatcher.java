package dev.lb.server;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Watches the configuration files (through their directories, so that editors and
 * consul-template, which replace a file by renaming, are seen) and asks for one reload after a
 * short settle window, so a burst of writes becomes one reload and a file being written is read
 * once it has stopped changing.
 *
 * <p>Any change in a watched directory counts, not only one naming a watched file: a file that
 * is a symlink (a Kubernetes ConfigMap swaps its {@code ..data} link) changes without an event
 * for its own name. The reloader skips text that did not change, so the extra reads cost little.
 */
final class FileWatcher implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("lb.watch");
    static final long SETTLE_MILLIS = 50;

    private final WatchService watch;
    private final ScheduledExecutorService reloads;
    private final Runnable reload;
    private final Thread thread;
    private ScheduledFuture<?> pending;

    FileWatcher(List<Path> paths, ScheduledExecutorService reloads, Runnable reload) throws IOException {
        this.watch = FileSystems.getDefault().newWatchService();
        this.reloads = reloads;
        this.reload = reload;
        Set<Path> dirs = new HashSet<>();
        for (Path p : paths) {
            dirs.add(p.toAbsolutePath().normalize().getParent());
        }
        for (Path d : dirs) {
            d.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        }
        this.thread = new Thread(this::run, "lb-config-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = watch.take();
                boolean changed = !key.pollEvents().isEmpty();
                key.reset();
                if (changed) {
                    schedule();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "file watcher stopped", e);
        }
    }

    private synchronized void schedule() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = reloads.schedule(reload, SETTLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        watch.close();
    }
}
