package dev.lb.core.table;

/** {@code mode http} or {@code mode tcp}. */
public enum Mode {
    HTTP, TCP
}
