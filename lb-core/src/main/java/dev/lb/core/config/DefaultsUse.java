package dev.lb.core.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Enforces HAProxy 2.6's rule that a named {@code defaults} section is either used implicitly
 * (as the latest one) or named with {@code from}, never both, because a reader could not tell
 * which settings a proxy gets (cfgparse-listen.c, "explicitly referenced ... and implicitly used").
 */
final class DefaultsUse {

    private final Problems problems;
    private final Map<String, Section> implicitUser = new HashMap<>();
    private final Map<String, Section> explicitUser = new HashMap<>();

    DefaultsUse(Problems problems) {
        this.problems = problems;
    }

    /** {@code proxy} takes the latest defaults, {@code defaults} ({@code null} when there is none). */
    void implicit(Section defaults, Section proxy) {
        if (defaults == null || defaults.name().isEmpty()) {
            return;
        }
        implicitUser.putIfAbsent(defaults.name(), proxy);
        if (explicitUser.containsKey(defaults.name())) {
            report(defaults.name(), proxy, "implicitly used here");
        }
    }

    /** {@code proxy} names its defaults with {@code from}. */
    void explicit(String name, Section proxy) {
        explicitUser.putIfAbsent(name, proxy);
        if (implicitUser.containsKey(name)) {
            report(name, proxy, "explicitly referenced here");
        }
    }

    private void report(String name, Section proxy, String how) {
        Section other = how.startsWith("implicitly") ? explicitUser.get(name) : implicitUser.get(name);
        problems.error(proxy.header(), "defaults section '" + name + "' is " + how + " but "
                + (how.startsWith("implicitly") ? "explicitly referenced" : "implicitly used") + " by "
                + other.kind().keyword() + " '" + other.name() + "' at " + other.header().location()
                + "; use 'from' everywhere, or add a last unnamed defaults section");
    }
}
