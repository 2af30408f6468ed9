package dev.lb.core.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SHA-crypt against the test vectors of Drepper's specification and strings made by
 * {@code openssl passwd -5/-6} and glibc/libxcrypt {@code crypt(3)} on Debian 12.
 */
class ShaCryptTest {

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(delimiter = '|', textBlock = """
            Hello world!|$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5
            Hello world!|$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4O\
            TLiBFdcbYEdFCoEOfaS35inz1
            Hello world!|$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA
            Hello world!|$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNS\
            nCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.
            This is just a test|$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5
            we have a short salt string but not a short password|$6$rounds=77777$short$WuQyW2YR.hBNp\
            jjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0
            wonderland|$6$abcdefgh$e1o..VsKRS0O4M9J1Qb9u.strxNEAfDkCXcaYc5TsDrJFctQCTMkPeis45vy3ZQtq\
            t4dqG4vXTonFJKbQgR2Q1
            builder|$5$rounds=1000$xyz$vjlGs6NQl7z8i.ihYnCdMvZJzMSKAh3jDnFI9GeEB82
            """)
    void reproducesKnownHashes(String password, String hash) {
        assertEquals(hash, ShaCrypt.crypt(password, hash), "crypt(" + password + ")");
        assertTrue(ShaCrypt.matches(password, hash), "matches");
        assertFalse(ShaCrypt.matches(password + "x", hash), "another password does not match");
        assertEquals(Optional.empty(), ShaCrypt.problem(hash), "a well-formed hash");
    }

    @Test
    void theSaltIsTruncatedToSixteenCharacters() {
        assertEquals("$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA",
                ShaCrypt.crypt("Hello world!", "$5$rounds=10000$saltstringsaltstring"));
    }

    @Test
    void emptyPassword() {
        String hash = "$6$salt$r6qPcj2UeIkfklWHvleGJk8OKTInFYR/fxyuwcC656IWiZBpIFZ9.hMRG2ZQnnyMFrKOe461f9iT9"
                + "Ljn0wJ5l.";
        assertTrue(ShaCrypt.matches("", hash), "empty password");
    }

    @Test
    void malformedHashesAreExplained() {
        assertEquals(Optional.of("rounds=10 is outside 1000-999999999"),
                ShaCrypt.problem("$5$rounds=10$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC"));
        assertEquals(Optional.of("expected $6$[rounds=N$]SALT$ and 86 characters of hash"),
                ShaCrypt.problem("$6$abc$def"));
        assertEquals(Optional.of("not a $5$ or $6$ hash"), ShaCrypt.problem("$1$abc$def"));
        assertEquals(Optional.of("malformed rounds=N"), ShaCrypt.problem("$5$rounds=x$salt$abc"));
    }
}
