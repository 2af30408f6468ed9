package dev.lb.core.table;

/**
 * The outcome of one health check, with the codes and descriptions HAProxy shows in its logs
 * and stats page (configuration manual, 9.1 "check_status"), so that log readers and tools
 * see familiar words.
 */
public enum CheckStatus {
    L4OK("Layer4 check passed", true),
    L4TOUT("Layer4 timeout", false),
    L4CON("Layer4 connection problem", false),
    L7OK("Layer7 check passed", true),
    L7TOUT("Layer7 timeout", false),
    L7RSP("Layer7 invalid response", false),
    L7STS("Layer7 wrong status", false);

    private final String description;
    private final boolean passed;

    CheckStatus(String description, boolean passed) {
        this.description = description;
        this.passed = passed;
    }

    /** HAProxy's wording, as in "reason: Layer4 connection problem". */
    public String description() {
        return description;
    }

    public boolean passed() {
        return passed;
    }
}
