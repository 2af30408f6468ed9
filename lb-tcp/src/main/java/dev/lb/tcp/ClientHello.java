package dev.lb.tcp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * What the first bytes of a connection say about TLS: whether a ClientHello is complete and,
 * if so, its SNI. Reads the first TLS record only, as HAProxy's {@code req_ssl_sni} does
 * (RFC 8446 section 4.1.2, RFC 6066 section 3); never consumes the buffer.
 *
 * @param complete whether more bytes could change the answer ({@code false}: wait for more)
 * @param helloType the handshake type of the first message (1 = ClientHello), or -1
 * @param sni the server name, or {@code null}
 */
record ClientHello(boolean complete, int helloType, String sni) {

    static final ClientHello NEED_MORE = new ClientHello(false, -1, null);
    static final ClientHello NOT_TLS = new ClientHello(true, -1, null);

    private static final int HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME = 0;

    static ClientHello parse(ByteBuf in) {
        int start = in.readerIndex();
        int avail = in.readableBytes();
        if (avail < 1) {
            return NEED_MORE;
        }
        if (in.getUnsignedByte(start) != HANDSHAKE) {
            return NOT_TLS;
        }
        if (avail < 6) {
            return NEED_MORE;
        }
        if (in.getUnsignedByte(start + 1) != 3) {
            return NOT_TLS;
        }
        int recordLength = in.getUnsignedShort(start + 3);
        int type = in.getUnsignedByte(start + 5);
        if (type != CLIENT_HELLO) {
            return new ClientHello(true, type, null);
        }
        if (avail < 5 + recordLength) {
            return new ClientHello(false, type, null);
        }
        try {
            return new ClientHello(true, type, sni(in, start + 5, start + 5 + recordLength));
        } catch (IndexOutOfBoundsException e) {
            // A ClientHello longer than its record (split across records) or malformed: no SNI.
            return new ClientHello(true, type, null);
        }
    }

    /** The host_name of the server_name extension of the handshake at {@code p}, or {@code null}. */
    private static String sni(ByteBuf in, int p, int end) {
        p += 4; // handshake type and length
        p += 2 + 32; // client_version, random
        p += 1 + in.getUnsignedByte(p); // session_id
        p += 2 + in.getUnsignedShort(p); // cipher_suites
        p += 1 + in.getUnsignedByte(p); // compression_methods
        if (p + 2 > end) {
            return null;
        }
        int extEnd = Math.min(end, p + 2 + in.getUnsignedShort(p));
        p += 2;
        while (p + 4 <= extEnd) {
            int extType = in.getUnsignedShort(p);
            int extLen = in.getUnsignedShort(p + 2);
            p += 4;
            if (extType == SERVER_NAME) {
                int q = p + 2; // server_name_list length
                int listEnd = Math.min(p + extLen, q + in.getUnsignedShort(p));
                while (q + 3 <= listEnd) {
                    int nameType = in.getUnsignedByte(q);
                    int nameLen = in.getUnsignedShort(q + 1);
                    q += 3;
                    if (nameType == 0 && q + nameLen <= listEnd) {
                        return in.toString(q, nameLen, StandardCharsets.US_ASCII);
                    }
                    q += nameLen;
                }
                return null;
            }
            p += extLen;
        }
        return null;
    }
}
