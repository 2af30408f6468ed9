package dev.lb.core.config;

/**
 * One configuration file's content with the name to use in problem reports.
 *
 * @param name the path as the user gave it
 * @param text the whole file
 */
public record ConfigText(String name, String text) {
}
