package dev.lb.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Errors and warnings found while compiling. Everything is collected rather than thrown, so
 * that one run reports every problem, as {@code haproxy -c} does.
 */
final class Problems {

    private final List<ConfigProblem> errors = new ArrayList<>();
    private final List<ConfigProblem> warnings = new ArrayList<>();

    void error(ConfigLine line, String message) {
        errors.add(new ConfigProblem(line.file(), line.number(), message));
    }

    void error(String file, int line, String message) {
        errors.add(new ConfigProblem(file, line, message));
    }

    void warn(ConfigLine line, String message) {
        warnings.add(new ConfigProblem(line.file(), line.number(), message));
    }

    void warn(String file, int line, String message) {
        warnings.add(new ConfigProblem(file, line, message));
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    int errorCount() {
        return errors.size();
    }

    List<ConfigProblem> errors() {
        return List.copyOf(errors);
    }

    List<ConfigProblem> warnings() {
        return List.copyOf(warnings);
    }
}
