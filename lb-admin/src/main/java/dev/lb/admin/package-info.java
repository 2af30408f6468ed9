/** The admin plane on 1936: stats page, HAProxy CSV, Prometheus metrics, runtime API. Empty until it lands. */
package dev.lb.admin;
