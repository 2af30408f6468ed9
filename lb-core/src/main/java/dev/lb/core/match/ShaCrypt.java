package dev.lb.core.match;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * SHA-crypt, the {@code $5$} (SHA-256) and {@code $6$} (SHA-512) forms of crypt(3), written
 * from Ulrich Drepper's public specification "Unix crypt using SHA-256 and SHA-512": what a
 * {@code userlist}'s {@code user NAME password HASH} holds when made by {@code mkpasswd} or
 * {@code openssl passwd -5/-6}. Stateless; each check allocates its digests.
 */
public final class ShaCrypt {

    private static final String B64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int DEFAULT_ROUNDS = 5000;
    private static final int MIN_ROUNDS = 1000;
    private static final int MAX_ROUNDS = 999_999_999;
    private static final int MAX_SALT = 16;

    /** The spec's byte triples (and the last, shorter group) for the 32-byte SHA-256 result. */
    private static final int[][] ORDER_256 = {{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23},
        {24, 4, 14}, {15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29}, {-1, 31, 30}};
    /** The same for the 64-byte SHA-512 result. */
    private static final int[][] ORDER_512 = {{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45},
        {25, 46, 4}, {47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10},
        {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38},
        {18, 39, 60}, {40, 61, 19}, {62, 20, 41}, {-1, -1, 63}};

    private ShaCrypt() {
    }

    /** Whether {@code hash} is a {@code $5$} or {@code $6$} string (it may still be malformed). */
    public static boolean isShaCrypt(String hash) {
        return hash.startsWith("$5$") || hash.startsWith("$6$");
    }

    /** Why {@code hash} is not a well-formed SHA-crypt string lb can check, or empty when it is. */
    public static Optional<String> problem(String hash) {
        if (!isShaCrypt(hash)) {
            return Optional.of("not a $5$ or $6$ hash");
        }
        Parsed p = parse(hash);
        if (p == null) {
            return Optional.of("malformed rounds=N");
        }
        if (p.rounds < MIN_ROUNDS || p.rounds > MAX_ROUNDS) {
            // glibc/libxcrypt refuse these (crypt returns "*0"), so no password would ever match.
            return Optional.of("rounds=" + p.rounds + " is outside 1000-999999999");
        }
        int expected = hash.startsWith("$5$") ? 43 : 86;
        int dollar = hash.indexOf('$', p.saltStart);
        if (dollar < 0 || hash.length() - dollar - 1 != expected || dollar - p.saltStart > MAX_SALT) {
            return Optional.of("expected $" + hash.charAt(1) + "$[rounds=N$]SALT$ and " + expected
                    + " characters of hash");
        }
        for (int i = dollar + 1; i < hash.length(); i++) {
            if (B64.indexOf(hash.charAt(i)) < 0) {
                return Optional.of("'" + hash.charAt(i) + "' is not a crypt base64 character");
            }
        }
        return Optional.empty();
    }

    /** Whether {@code password} hashes to {@code hash} (constant-time comparison of the results). */
    public static boolean matches(String password, String hash) {
        String computed = crypt(password, hash);
        return computed != null && MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII),
                hash.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The crypt string of {@code password} with the method, rounds and salt of {@code setting}
     * ({@code $5$[rounds=N$]SALT[$...]}), or null when the setting is not SHA-crypt.
     */
    public static String crypt(String password, String setting) {
        if (!isShaCrypt(setting)) {
            return null;
        }
        Parsed p = parse(setting);
        if (p == null) {
            return null;
        }
        boolean sha512 = setting.charAt(1) == '6';
        int end = setting.indexOf('$', p.saltStart);
        String saltText = setting.substring(p.saltStart, end < 0 ? setting.length() : end);
        byte[] salt = saltText.getBytes(StandardCharsets.UTF_8);
        if (salt.length > MAX_SALT) {
            salt = java.util.Arrays.copyOf(salt, MAX_SALT);
            saltText = new String(salt, StandardCharsets.UTF_8);
        }
        int rounds = Math.max(MIN_ROUNDS, Math.min(MAX_ROUNDS, p.rounds));
        byte[] key = password.getBytes(StandardCharsets.UTF_8);
        MessageDigest md = digest(sha512);

        // Digest B: key, salt, key.
        md.update(key);
        md.update(salt);
        md.update(key);
        byte[] b = md.digest();
        // Digest A: key, salt, B repeated over the key's length, then B or key for each bit of the length.
        md.update(key);
        md.update(salt);
        repeat(md, b, key.length);
        for (int n = key.length; n > 0; n >>= 1) {
            if ((n & 1) != 0) {
                md.update(b);
            } else {
                md.update(key);
            }
        }
        byte[] a = md.digest();
        // P: the digest of the key repeated key-length times, stretched to the key's length.
        for (int i = 0; i < key.length; i++) {
            md.update(key);
        }
        byte[] pBytes = stretch(md.digest(), key.length);
        // S: the digest of the salt repeated 16 + A[0] times, stretched to the salt's length.
        for (int i = 0; i < 16 + (a[0] & 0xff); i++) {
            md.update(salt);
        }
        byte[] sBytes = stretch(md.digest(), salt.length);
        byte[] c = a;
        for (int i = 0; i < rounds; i++) {
            md.update((i & 1) != 0 ? pBytes : c);
            if (i % 3 != 0) {
                md.update(sBytes);
            }
            if (i % 7 != 0) {
                md.update(pBytes);
            }
            md.update((i & 1) != 0 ? c : pBytes);
            c = md.digest();
        }
        StringBuilder out = new StringBuilder(setting.substring(0, 3));
        if (p.explicitRounds) {
            out.append("rounds=").append(rounds).append('$');
        }
        out.append(saltText).append('$');
        for (int[] t : sha512 ? ORDER_512 : ORDER_256) {
            int w = (at(c, t[0]) << 16) | (at(c, t[1]) << 8) | at(c, t[2]);
            int chars = t[0] >= 0 ? 4 : t[1] >= 0 ? 3 : 2;
            for (int k = 0; k < chars; k++) {
                out.append(B64.charAt(w & 0x3f));
                w >>>= 6;
            }
        }
        return out.toString();
    }

    private record Parsed(int rounds, boolean explicitRounds, int saltStart) {
    }

    private static Parsed parse(String setting) {
        int from = 3;
        if (!setting.startsWith("rounds=", from)) {
            return new Parsed(DEFAULT_ROUNDS, false, from);
        }
        int dollar = setting.indexOf('$', from);
        if (dollar < 0) {
            return null;
        }
        try {
            long r = Long.parseLong(setting.substring(from + 7, dollar));
            return new Parsed((int) Math.max(0, Math.min(Integer.MAX_VALUE, r)), true, dollar + 1);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int at(byte[] c, int i) {
        return i < 0 ? 0 : c[i] & 0xff;
    }

    private static void repeat(MessageDigest md, byte[] block, int length) {
        int n = length;
        for (; n > block.length; n -= block.length) {
            md.update(block);
        }
        md.update(block, 0, n);
    }

    private static byte[] stretch(byte[] block, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = block[i % block.length];
        }
        return out;
    }

    private static MessageDigest digest(boolean sha512) {
        try {
            return MessageDigest.getInstance(sha512 ? "SHA-512" : "SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256 and SHA-512", e);
        }
    }
}
