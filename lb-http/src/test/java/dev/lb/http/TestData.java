package dev.lb.http;

import io.netty.buffer.ByteBuf;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Deterministic test bytes, computable at any offset: large bodies are generated on the fly
 * on both ends and compared by hash, never held in memory.
 */
public final class TestData {

    private TestData() {
    }

    /** The byte at {@code offset}. */
    public static byte at(long offset) {
        long x = offset * 0x9E3779B97F4A7C15L;
        return (byte) ((x >>> 32) ^ (offset >>> 13));
    }

    public static void fill(ByteBuf buf, long offset, int n) {
        byte[] b = new byte[Math.min(n, 65536)];
        int done = 0;
        while (done < n) {
            int k = Math.min(b.length, n - done);
            fill(b, 0, offset + done, k);
            buf.writeBytes(b, 0, k);
            done += k;
        }
    }

    public static void fill(byte[] b, int off, long offset, int n) {
        for (int i = 0; i < n; i++) {
            b[off + i] = at(offset + i);
        }
    }

    /** A stream of {@code size} test bytes. */
    public static InputStream stream(long size) {
        return new InputStream() {
            private long pos;

            @Override
            public int read() {
                return pos < size ? at(pos++) & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - pos);
                fill(b, off, pos, n);
                pos += n;
                return n;
            }
        };
    }

    /** SHA-256 hex of the first {@code size} test bytes. */
    public static String sha256(long size) {
        MessageDigest d = HttpBackend.sha256();
        byte[] b = new byte[65536];
        long pos = 0;
        while (pos < size) {
            int n = (int) Math.min(b.length, size - pos);
            fill(b, 0, pos, n);
            d.update(b, 0, n);
            pos += n;
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
