package dev.lb.core.config;

import java.util.HashMap;
import java.util.Map;

/**
 * The environment variables that double-quoted words may expand (configuration manual, 2.3).
 * A private copy: {@code setenv}/{@code presetenv}/{@code unsetenv}/{@code resetenv} in
 * {@code global} change how the following lines read, as in HAProxy, without touching the
 * lb process's own environment.
 */
final class ConfigEnvironment {

    private final Map<String, String> vars;

    ConfigEnvironment(Map<String, String> initial) {
        this.vars = new HashMap<>(initial);
    }

    /** The value, or {@code null} when unset. */
    String get(String name) {
        return vars.get(name);
    }

    void set(String name, String value) {
        vars.put(name, value);
    }

    /** {@code presetenv}: only when not already set. */
    void preset(String name, String value) {
        vars.putIfAbsent(name, value);
    }

    void unset(String name) {
        vars.remove(name);
    }

    /** {@code resetenv [NAME...]}: keep only the names given. */
    void keepOnly(java.util.Collection<String> names) {
        vars.keySet().retainAll(names);
    }
}
