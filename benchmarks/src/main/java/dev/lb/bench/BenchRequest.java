package dev.lb.bench;

import dev.lb.core.match.RequestFacts;
import java.net.InetAddress;

/** A request as route lookup sees it: a Host header and a path, nothing else. */
record BenchRequest(String host, String path) implements RequestFacts {

    @Override
    public String uri() {
        return path;
    }

    @Override
    public String header(String name) {
        return "host".equalsIgnoreCase(name) ? host : null;
    }

    @Override
    public InetAddress source() {
        return null;
    }

    @Override
    public boolean ssl() {
        return false;
    }
}
