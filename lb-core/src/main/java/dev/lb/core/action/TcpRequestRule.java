package dev.lb.core.action;

import dev.lb.core.match.Condition;

/**
 * A {@code tcp-request connection|content accept|reject} rule of a mode tcp frontend
 * (configuration manual, 4.2 "tcp-request connection", "tcp-request content"). Connection rules
 * run when the connection is accepted, content rules once the first bytes were inspected; the
 * first rule whose condition holds decides, and a connection no rule decides is accepted.
 *
 * @param content whether it is a content rule (else a connection rule)
 * @param accept accept (stop evaluating) or reject (close the connection)
 * @param condition when the rule applies
 * @param location {@code file:line} of the rule
 */
public record TcpRequestRule(boolean content, boolean accept, Condition condition, String location) {

    public String describe() {
        return (content ? "content " : "connection ") + (accept ? "accept" : "reject") + " if "
                + condition.describe();
    }
}
