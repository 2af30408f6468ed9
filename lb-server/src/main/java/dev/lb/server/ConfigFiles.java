package dev.lb.server;

import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.ConfigText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The haproxy.cfg files this process serves: the {@code -f} files in order, or the embedded
 * {@code examples/haproxy.cfg} when none is given and no discovery source is configured (with
 * one, no {@code -f} means no file: the source's services are the configuration).
 */
record ConfigFiles(List<Path> paths, boolean exampleWhenNone) {

    static final String EMBEDDED = "examples/haproxy.cfg";
    private static final int READ_ATTEMPTS = 5;

    ConfigFiles {
        paths = List.copyOf(paths);
    }

    ConfigFiles(List<Path> paths) {
        this(paths, true);
    }

    boolean embedded() {
        return paths.isEmpty() && exampleWhenNone;
    }

    /** Reads every file now; a file that cannot be read is a problem naming it. */
    List<ConfigText> read(List<ConfigProblem> problems) {
        List<ConfigText> texts = new ArrayList<>();
        if (embedded()) {
            try (InputStream in = ConfigFiles.class.getResourceAsStream("/" + EMBEDDED)) {
                if (in == null) {
                    problems.add(new ConfigProblem(EMBEDDED, 0, "not found in the jar"));
                } else {
                    texts.add(new ConfigText(EMBEDDED + " (embedded)",
                            new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                }
            } catch (IOException e) {
                problems.add(new ConfigProblem(EMBEDDED, 0, "cannot read: " + e.getMessage()));
            }
            return texts;
        }
        for (Path p : paths) {
            try {
                texts.add(new ConfigText(p.toString(), readSteady(p)));
            } catch (IOException e) {
                problems.add(new ConfigProblem(p.toString(), 0, "cannot read: " + e));
            }
        }
        return texts;
    }

    /**
     * The file's text, read again when its size or modification time moved during the read (a
     * writer still at work): a torn read is never compiled. After a few tries it is an error.
     */
    private static String readSteady(Path p) throws IOException {
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            BasicFileAttributes before = Files.readAttributes(p, BasicFileAttributes.class);
            String text = Files.readString(p, StandardCharsets.UTF_8);
            BasicFileAttributes after = Files.readAttributes(p, BasicFileAttributes.class);
            if (before.size() == after.size() && before.lastModifiedTime().equals(after.lastModifiedTime())
                    && Objects.equals(before.fileKey(), after.fileKey())) {
                return text;
            }
        }
        throw new IOException("the file kept changing while it was read (" + READ_ATTEMPTS + " tries)");
    }
}
