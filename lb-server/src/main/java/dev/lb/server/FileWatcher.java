package dev.lb.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
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
 *
 * <p>consul-template replaces the file atomically, but other writers may pause mid-write for longer
 * than the settle window. A non-empty file whose last byte is not a newline is taken as caught
 * mid-write (HAProxy 2.6 says "Missing LF on last line, file might have been truncated"): the
 * reload waits until that file has kept its size and modification time for {@link #STABLE_MILLIS},
 * or until it changes again. An explicit reload and start-up do not wait.
 */
final class FileWatcher implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("lb.watch");
    static final long SETTLE_MILLIS = 50;
    /** How long a file without a final newline must stay unchanged before it is applied anyway. */
    static final long STABLE_MILLIS = 1000;

    private final WatchService watch;
    private final ScheduledExecutorService reloads;
    private final Runnable reload;
    private final Thread thread;
    private final List<Path> files;
    private ScheduledFuture<?> pending;
    /** The unfinished-looking file being waited for and its stamp, or {@code null}. */
    private Path waitingFor;
    private Stamp waitingStamp;

    /** What tells a file changed without reading it. */
    record Stamp(long size, FileTime modified, byte last) {
    }

    FileWatcher(List<Path> paths, ScheduledExecutorService reloads, Runnable reload) throws IOException {
        this.watch = FileSystems.getDefault().newWatchService();
        this.reloads = reloads;
        this.reload = reload;
        this.files = List.copyOf(paths);
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
        waitingFor = null;
        pending = reloads.schedule(this::settled, SETTLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The settle window is over: reload, unless a file looks half-written and is still young. */
    private void settled() {
        // Outside the lock: the watch thread must not wait for a compilation to note an event.
        if (readyToReload()) {
            reload.run();
        }
    }

    /** Whether to reload now; if not, the next check is scheduled. */
    private synchronized boolean readyToReload() {
        for (Path p : files) {
            Stamp now = stamp(p);
            if (now == null || now.size() == 0 || now.last() == '\n') {
                continue;
            }
            if (p.equals(waitingFor) && now.equals(waitingStamp)) {
                LOG.log(System.Logger.Level.WARNING, p + ": no newline at the end, unchanged for "
                        + STABLE_MILLIS + " ms: applying it as it is");
                continue;
            }
            LOG.log(System.Logger.Level.INFO, p + ": no newline at the end, maybe caught mid-write; "
                    + "waiting until it stops changing");
            waitingFor = p;
            waitingStamp = now;
            pending = reloads.schedule(this::settled, STABLE_MILLIS, TimeUnit.MILLISECONDS);
            return false;
        }
        waitingFor = null;
        pending = null;
        return true;
    }

    /** Size, modification time and last byte of the file (through symlinks), or null if unreadable. */
    static Stamp stamp(Path p) {
        try (SeekableByteChannel ch = Files.newByteChannel(p)) {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            long size = ch.size();
            byte last = 0;
            if (size > 0) {
                ByteBuffer b = ByteBuffer.allocate(1);
                ch.position(size - 1).read(b);
                last = b.get(0);
            }
            return new Stamp(size, a.lastModifiedTime(), last);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        watch.close();
    }
}
