package dev.lb.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Resolves host names written in the configuration. HAProxy resolves them once while parsing
 * (its default {@code init-addr last,libc}); so does lb, through the system resolver, unless a
 * test supplies its own.
 */
@FunctionalInterface
interface HostResolver {

    HostResolver SYSTEM = InetAddress::getByName;

    InetAddress resolve(String host) throws UnknownHostException;
}
