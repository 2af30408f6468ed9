package dev.lb.admin;

/** What the admin plane may ask of the running server; implemented by lb-server. */
public interface AdminControl {

    /** Re-reads the configuration now and waits for the outcome (SPEC section 8, POST /api/reload). */
    ReloadResult reload(String cause);

    /** The current process-level facts. */
    AdminStatus status();

    /**
     * The outcome of a reload.
     *
     * @param applied whether a new table is live (an unchanged configuration counts as applied)
     * @param version the live table's version afterwards
     * @param errors {@code FILE:LINE: message} lines when not applied
     */
    record ReloadResult(boolean applied, long version, java.util.List<String> errors) {

        public ReloadResult {
            errors = java.util.List.copyOf(errors);
        }
    }
}
