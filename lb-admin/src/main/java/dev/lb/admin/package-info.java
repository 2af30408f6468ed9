/**
 * The admin plane on 1936 (SPEC section 8): the HTTP server for the stats page, HAProxy CSV,
 * Prometheus metrics, {@code /api/routes}, {@code /api/reload} and {@code /health}
 * ({@link dev.lb.admin.AdminServer}); the runtime API lives in {@code dev.lb.admin.runtime}.
 */
package dev.lb.admin;
