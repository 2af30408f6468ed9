package dev.lb.discovery.dns;

import dev.lb.core.dns.ResolversSpec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One resolvers section at work: the servers to ask and a Netty resolver on the watcher's event
 * loop, with every Netty cache off: the watcher decides when a name is asked again.
 */
final class ResolverSection implements AutoCloseable {

    private final ResolversSpec spec;
    private final List<InetSocketAddress> servers;
    private final List<String> searchDomains;
    private final int ndots;
    private final DnsNameResolver resolver;

    /**
     * @param system the system's resolvers, used (with their search domains) when the section
     *        names no server
     */
    ResolverSection(ResolversSpec spec, EventLoop loop, SystemResolvers system) {
        this.spec = spec;
        boolean useSystem = spec.nameservers().isEmpty();
        this.servers = useSystem ? system.nameservers() : spec.nameservers();
        this.searchDomains = useSystem ? system.searchDomains() : List.of();
        this.ndots = useSystem ? system.ndots() : 0;
        this.resolver = new DnsNameResolverBuilder(loop)
                .datagramChannelType(NioDatagramChannel.class)
                // a truncated answer (a large SRV set) is asked again over TCP
                .socketChannelType(NioSocketChannel.class)
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                .nameServerProvider(new SequentialDnsServerAddressStreamProvider(servers))
                .queryTimeoutMillis(Math.max(1, spec.timeout().toMillis()))
                .recursionDesired(true)
                .build();
    }

    ResolversSpec spec() {
        return spec;
    }

    /** How the admin page names these servers: {@code 127.0.0.1:5353}, comma-separated. */
    String serversText() {
        List<String> out = new ArrayList<>();
        for (InetSocketAddress s : servers) {
            out.add(s.getHostString() + ":" + s.getPort());
        }
        return String.join(",", out);
    }

    /**
     * The names to ask for a host name, in order (resolv.conf(5)): with the search domains first
     * when it has fewer than {@code ndots} dots, last otherwise. Explicit servers: the name only.
     */
    List<String> candidates(String name) {
        if (searchDomains.isEmpty()) {
            return List.of(name);
        }
        long dots = name.chars().filter(c -> c == '.').count();
        List<String> out = new ArrayList<>();
        if (dots >= ndots) {
            out.add(name);
        }
        for (String d : searchDomains) {
            out.add(name + "." + d);
        }
        if (dots < ndots) {
            out.add(name);
        }
        return out;
    }

    /**
     * Asks one question, up to {@code retries} times, each attempt on the next server (the first
     * server first, as libc does). Completes on the event loop, never exceptionally.
     */
    CompletableFuture<Reply> ask(String name, DnsRecordType type) {
        CompletableFuture<Reply> done = new CompletableFuture<>();
        attempt(name, type, 0, done);
        return done;
    }

    private void attempt(String name, DnsRecordType type, int n, CompletableFuture<Reply> done) {
        int attempts = Math.max(1, spec.retries());
        InetSocketAddress server = servers.get(n % servers.size());
        Future<AddressedEnvelope<DnsResponse, InetSocketAddress>> sent;
        try {
            sent = resolver.query(server, new DefaultDnsQuestion(name, type));
        } catch (RuntimeException e) {
            done.complete(Reply.failed(describe(e))); // an invalid name, a closed resolver
            return;
        }
        sent.addListener(f -> {
            String error;
            if (f.isSuccess()) {
                @SuppressWarnings("unchecked")
                AddressedEnvelope<DnsResponse, InetSocketAddress> envelope =
                        (AddressedEnvelope<DnsResponse, InetSocketAddress>) f.getNow();
                try {
                    DnsResponse response = envelope.content();
                    DnsResponseCode code = response.code();
                    if (code.equals(DnsResponseCode.NOERROR) || code.equals(DnsResponseCode.NXDOMAIN)) {
                        done.complete(decode(response, type));
                        return;
                    }
                    error = code.toString().toUpperCase(Locale.ROOT).replaceAll("\\(.*", "").trim()
                            + " from " + server.getHostString() + ":" + server.getPort();
                } catch (RuntimeException malformed) {
                    error = "malformed answer from " + server.getHostString() + ":" + server.getPort()
                            + ": " + malformed;
                } finally {
                    envelope.release();
                }
            } else {
                error = describe(f.cause());
            }
            if (n + 1 < attempts) {
                attempt(name, type, n + 1, done);
            } else {
                done.complete(Reply.failed(
                        error + " after " + attempts + (attempts == 1 ? " attempt" : " attempts")));
            }
        });
    }

    /** "timeout" for a query no server answered in time, else the cause's own words. */
    private static String describe(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof DnsNameResolverTimeoutException) {
                return "timeout";
            }
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    private static Reply decode(DnsResponse response, DnsRecordType type) {
        if (response.code().equals(DnsResponseCode.NXDOMAIN)) {
            return new Reply(Reply.Status.NO_NAME, List.of(), List.of(), Map.of(), -1, null);
        }
        List<InetAddress> addresses = new ArrayList<>();
        List<Reply.Srv> services = new ArrayList<>();
        Map<String, List<InetAddress>> glue = new HashMap<>();
        long ttl = -1;
        for (int i = 0; i < response.count(DnsSection.ANSWER); i++) {
            DnsRecord r = response.recordAt(DnsSection.ANSWER, i);
            // only the asked type: a CNAME chain ahead of the records is the server's business
            if (!r.type().equals(type) || !(r instanceof DnsRawRecord raw)) {
                continue;
            }
            if (type.equals(DnsRecordType.SRV)) {
                Reply.Srv srv = srv(raw.content());
                if (srv == null) {
                    continue;
                }
                services.add(srv);
            } else {
                InetAddress a = address(raw.content());
                if (a == null) {
                    continue;
                }
                addresses.add(a);
            }
            ttl = ttl < 0 ? r.timeToLive() : Math.min(ttl, r.timeToLive());
        }
        for (int i = 0; i < response.count(DnsSection.ADDITIONAL); i++) {
            DnsRecord r = response.recordAt(DnsSection.ADDITIONAL, i);
            boolean address = r.type().equals(DnsRecordType.A) || r.type().equals(DnsRecordType.AAAA);
            if (address && r instanceof DnsRawRecord raw) {
                InetAddress a = address(raw.content());
                if (a != null) {
                    glue.computeIfAbsent(normalize(r.name()), k -> new ArrayList<>()).add(a);
                    ttl = ttl < 0 ? r.timeToLive() : Math.min(ttl, r.timeToLive());
                }
            }
        }
        return new Reply(Reply.Status.ANSWER, addresses, services, glue, ttl, null);
    }

    private static InetAddress address(ByteBuf content) {
        int length = content.readableBytes();
        if (length != 4 && length != 16) {
            return null;
        }
        byte[] bytes = new byte[length];
        content.getBytes(content.readerIndex(), bytes);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null; // cannot happen with 4 or 16 bytes
        }
    }

    /** RFC 2782: priority, weight, port, then the target name (maybe compressed, RFC 1035 4.1.4). */
    private static Reply.Srv srv(ByteBuf content) {
        if (content.readableBytes() < 7) {
            return null;
        }
        int at = content.readerIndex();
        // the content is a view of the whole message, so compression pointers resolve
        ByteBuf name = content.duplicate().readerIndex(at + 6);
        try {
            String target = normalize(DefaultDnsRecordDecoder.decodeName(name));
            return new Reply.Srv(content.getUnsignedShort(at), content.getUnsignedShort(at + 2),
                    content.getUnsignedShort(at + 4), target);
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    @Override
    public void close() {
        resolver.close();
    }
}
