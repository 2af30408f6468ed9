package dev.lb.core.table;

/**
 * A server's administrative state, as HAProxy's runtime API sets it ({@code set server B/S
 * state}, management guide 9.3): READY takes traffic, DRAIN takes no new requests or
 * connections but keeps what it has, MAINT takes nothing and is not health-checked.
 */
public enum AdminState {
    READY, DRAIN, MAINT
}
