package dev.lb.tcp;

import dev.lb.core.match.RequestFacts;
import java.net.InetAddress;

/**
 * What ACLs see of a TCP connection: its source and destination port, and, after inspection,
 * the TLS ClientHello. HTTP fetches find nothing, so they never match, as in HAProxy 2.6.
 */
final class TcpFacts implements RequestFacts {

    private final InetAddress source;
    private final int destinationPort;
    private final ClientHello hello;

    TcpFacts(InetAddress source, int destinationPort, ClientHello hello) {
        this.source = source;
        this.destinationPort = destinationPort;
        this.hello = hello;
    }

    @Override
    public String host() {
        return null;
    }

    @Override
    public String path() {
        return null;
    }

    @Override
    public String uri() {
        return null;
    }

    @Override
    public String header(String name) {
        return null;
    }

    @Override
    public InetAddress source() {
        return source;
    }

    @Override
    public boolean ssl() {
        return false;
    }

    @Override
    public int destinationPort() {
        return destinationPort;
    }

    @Override
    public String sslSni() {
        return hello == null ? null : hello.sni();
    }

    @Override
    public int sslHelloType() {
        return hello == null ? -1 : hello.helloType();
    }
}
