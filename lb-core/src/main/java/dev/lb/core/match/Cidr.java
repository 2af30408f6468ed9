package dev.lb.core.match;

import io.netty.util.NetUtil;
import java.net.InetAddress;

/** An address with a prefix length, for {@code src} ACLs ({@code 10.0.0.0/8}, {@code ::1}). */
public record Cidr(byte[] network, int prefixLength) {

    /**
     * Parses {@code addr} or {@code addr/len}; an IPv4 {@code /len} may also be a dotted mask.
     *
     * @throws IllegalArgumentException when it is not an IP literal
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or network");
        }
        int len = bytes.length * 8;
        if (slash >= 0) {
            String suffix = text.substring(slash + 1);
            byte[] mask = suffix.contains(".") ? NetUtil.createByteArrayFromIpAddressString(suffix) : null;
            try {
                len = mask != null
                        ? Integer.bitCount(java.nio.ByteBuffer.wrap(mask).getInt())
                        : Integer.parseInt(suffix);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has a bad prefix length");
            }
            if (len < 0 || len > bytes.length * 8) {
                throw new IllegalArgumentException("'" + text + "' has a bad prefix length");
            }
        }
        return new Cidr(bytes, len);
    }

    /** Whether {@code address} is inside; an IPv4-mapped IPv6 client matches IPv4 networks. */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length == 16 && network.length == 4 && isV4Mapped(a)) {
            a = java.util.Arrays.copyOfRange(a, 12, 16);
        }
        if (a.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

}
