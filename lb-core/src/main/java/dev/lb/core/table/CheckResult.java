package dev.lb.core.table;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One finished health check: its status, the HTTP status code for layer-7 checks (0 otherwise),
 * a short human reason ("Connection refused", the reason phrase), how long it took and when it
 * ended.
 */
public record CheckResult(CheckStatus status, int code, String info, Duration duration, Instant at) {

    public CheckResult {
        Objects.requireNonNull(status);
        info = info == null ? "" : info;
        Objects.requireNonNull(duration);
        Objects.requireNonNull(at);
    }

    public boolean passed() {
        return status.passed();
    }

    /**
     * As HAProxy logs it after "reason: ": {@code Layer7 wrong status, code: 500, info: "Internal
     * Server Error"}.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder(status.description());
        if (code > 0) {
            sb.append(", code: ").append(code);
        }
        if (!info.isEmpty()) {
            sb.append(", info: \"").append(info).append('"');
        }
        return sb.toString();
    }
}
