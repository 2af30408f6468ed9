package dev.lb.core.config;

import dev.lb.core.match.Fetch;
import dev.lb.core.match.MatchMethod;
import java.util.Map;
import java.util.Optional;

/**
 * The ACL criteria lb implements (configuration manual, 7.3.2 and 7.3.6): a sample fetch, the
 * matching method its name implies, and whether it takes a header name in parentheses.
 * Adding a criterion is one entry here, plus its {@link Fetch} when it reads something new.
 *
 * @param fetch what it extracts
 * @param method the method the name implies ({@code hdr_beg} is {@code hdr -m beg})
 * @param takesHeader whether it is written {@code name(header)}
 */
record AclCriterion(Fetch fetch, MatchMethod method, boolean takesHeader) {

    private static final Map<String, AclCriterion> CRITERIA = Map.ofEntries(
            Map.entry("hdr", header(MatchMethod.STR)),
            Map.entry("req.hdr", header(MatchMethod.STR)),
            Map.entry("hdr_beg", header(MatchMethod.BEG)),
            Map.entry("hdr_end", header(MatchMethod.END)),
            Map.entry("hdr_sub", header(MatchMethod.SUB)),
            Map.entry("hdr_dom", header(MatchMethod.DOM)),
            Map.entry("hdr_reg", header(MatchMethod.REG)),
            Map.entry("path", plain(Fetch.PATH, MatchMethod.STR)),
            Map.entry("path_beg", plain(Fetch.PATH, MatchMethod.BEG)),
            Map.entry("path_end", plain(Fetch.PATH, MatchMethod.END)),
            Map.entry("path_sub", plain(Fetch.PATH, MatchMethod.SUB)),
            Map.entry("path_dom", plain(Fetch.PATH, MatchMethod.DOM)),
            Map.entry("path_reg", plain(Fetch.PATH, MatchMethod.REG)),
            Map.entry("url", plain(Fetch.URL, MatchMethod.STR)),
            Map.entry("url_beg", plain(Fetch.URL, MatchMethod.BEG)),
            Map.entry("url_end", plain(Fetch.URL, MatchMethod.END)),
            Map.entry("url_sub", plain(Fetch.URL, MatchMethod.SUB)),
            Map.entry("url_dom", plain(Fetch.URL, MatchMethod.DOM)),
            Map.entry("url_reg", plain(Fetch.URL, MatchMethod.REG)),
            Map.entry("src", plain(Fetch.SRC, MatchMethod.IP)),
            Map.entry("ssl_fc", plain(Fetch.SSL_FC, MatchMethod.BOOL)),
            Map.entry("req_ssl_sni", plain(Fetch.REQ_SSL_SNI, MatchMethod.STR)),
            Map.entry("req.ssl_sni", plain(Fetch.REQ_SSL_SNI, MatchMethod.STR)),
            Map.entry("req_ssl_hello_type", plain(Fetch.REQ_SSL_HELLO_TYPE, MatchMethod.INT)),
            Map.entry("req.ssl_hello_type", plain(Fetch.REQ_SSL_HELLO_TYPE, MatchMethod.INT)));

    /** Criteria HAProxy has that lb refuses with a reason more useful than "unknown". */
    private static final Map<String, String> NOT_YET = Map.of(
            "ssl_fc_sni", "TLS termination is not implemented yet",
            "path_dir", "'-m dir' matching is not implemented yet",
            "url_dir", "'-m dir' matching is not implemented yet",
            "hdr_dir", "'-m dir' matching is not implemented yet");

    private static AclCriterion header(MatchMethod method) {
        return new AclCriterion(Fetch.HEADER, method, true);
    }

    private static AclCriterion plain(Fetch fetch, MatchMethod method) {
        return new AclCriterion(fetch, method, false);
    }

    static Optional<AclCriterion> of(String name) {
        return Optional.ofNullable(CRITERIA.get(name));
    }

    /** Why lb refuses a criterion it knows from HAProxy, if it is one of those. */
    static Optional<String> notYet(String name) {
        return Optional.ofNullable(NOT_YET.get(name));
    }

    /** Whether {@code -m method} may replace the implied method for this fetch. */
    boolean accepts(MatchMethod m) {
        return switch (fetch) {
            case SRC -> m == MatchMethod.IP;
            case SSL_FC -> m == MatchMethod.BOOL;
            case REQ_SSL_HELLO_TYPE -> m == MatchMethod.INT || m == MatchMethod.FOUND;
            default -> m != MatchMethod.IP && m != MatchMethod.BOOL && m != MatchMethod.INT;
        };
    }
}
