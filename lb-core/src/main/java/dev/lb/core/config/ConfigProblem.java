package dev.lb.core.config;

/**
 * An error or warning about a configuration, with where it is.
 *
 * @param file the file name as given (or a source name such as {@code etcd})
 * @param line 1-based line number, 0 when the problem is not about one line
 * @param message what is wrong, in HAProxy's tone
 */
public record ConfigProblem(String file, int line, String message) {

    /** {@code file:line: message}, the form {@code lb -c} prints. */
    public String format() {
        return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
    }

    @Override
    public String toString() {
        return format();
    }
}
