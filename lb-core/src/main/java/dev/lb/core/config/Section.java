package dev.lb.core.config;

import java.util.List;

/**
 * One section as written: its header line and the lines of its body, in order.
 *
 * @param kind what the section is
 * @param name its name, empty for {@code global} and unnamed {@code defaults}
 * @param from the {@code from NAME} defaults it names, empty when it takes the latest one
 * @param header the section line
 * @param body the directives
 */
record Section(SectionKind kind, String name, String from, ConfigLine header, List<ConfigLine> body) {

    Section {
        body = List.copyOf(body);
    }
}
