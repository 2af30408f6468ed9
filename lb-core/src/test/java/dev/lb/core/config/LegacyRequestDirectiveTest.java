package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.action.HttpRequestAction;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reqrep translation does to a request what HAProxy 1.x did: 1.x matched the regex against
 * the request line {@code METHOD URI VERSION} and replaced the whole line with the expanded
 * replacement. That is simulated here and compared with lb's replace-path on the same URI.
 */
class LegacyRequestDirectiveTest {

    private static final List<String> URIS = List.of("/svc", "/svc/", "/svc/a/b?x=1&y=%20", "/svcx/y",
            "/SVC/Upper", "/other/svc/x", "/", "/svc?q=/svc/", "/api/v1/users", "/Static/v12/app.js",
            "/static/v3/x.map");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "reqrep ^([^\\ :]*)\\ /svc/(.*) \\1\\ /\\2",
        "reqrep ^([^\\ ]*)\\ /svc/(.*) \\1\\ /\\2",
        "reqrep ^([^\\ ]*\\ /)svc[/]?(.*) \\1\\2",
        "reqirep ^([^\\ ]*\\ /)svc[/]?(.*) \\1\\2",
        "reqrep ^([^\\ ]*)\\ /api/v([0-9]+)/(.*) \\1\\ /v\\2/api/\\3",
        "reqirep ^([^\\ ]*)\\ /static/v([0-9]+)/(.*) \\1\\ /assets/\\2/\\3",
        "reqrep ^(\\S+)\\ /(.*) \\1\\ /prefix/\\2",
    })
    void translatedRewriteMatchesHaproxy1OnTheRequestLine(String directive) throws Exception {
        String cfg = "defaults\n  mode http\nbackend b\n  " + directive + "\n  server s 127.0.0.1:1\n";
        LoadResult r = TestCompiler.compile("t.cfg", cfg);
        HttpRequestAction a = r.table().backend("b").orElseThrow().actions().get(0);
        HttpRequestAction.ReplacePath rp = assertInstanceOf(HttpRequestAction.ReplacePath.class, a);
        List<String> words = ConfigTokenizer.tokenize(directive, new ConfigEnvironment(java.util.Map.of()));
        Pattern legacy = Pattern.compile(words.get(1),
                words.get(0).equals("reqirep") ? Pattern.CASE_INSENSITIVE : 0);
        for (String uri : URIS) {
            String expected = haproxy1(legacy, words.get(2), "GET " + uri + " HTTP/1.1");
            int q = uri.indexOf('?');
            String path = q < 0 ? uri : uri.substring(0, q);
            String query = q < 0 ? "" : uri.substring(q);
            String actual = "GET " + rp.apply(path) + query + " HTTP/1.1";
            assertEquals(expected, actual, directive + " on " + uri);
        }
    }

    /** HAProxy 1.x's reqrep on one line: a match replaces the whole line (proto_http.c, exp_replace). */
    private static String haproxy1(Pattern regex, String replacement, String line) {
        Matcher m = regex.matcher(line);
        if (!m.find()) {
            return line;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if (c == '\\' && i + 1 < replacement.length() && Character.isDigit(replacement.charAt(i + 1))) {
                String g = m.group(replacement.charAt(++i) - '0');
                out.append(g == null ? "" : g);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Test
    void reqaddKeepsItsConditionAndRunsAfterHttpRequestRules() throws Exception {
        String cfg = """
                defaults
                  mode http
                frontend f
                  bind :80
                  reqadd X-Forwarded-Proto:\\ https if { ssl_fc }
                  reqrep ^([^\\ ]*)\\ /a/(.*) \\1\\ /\\2
                  http-request set-header X-First 1
                  default_backend b
                backend b
                  server s 127.0.0.1:1
                """;
        LoadResult r = TestCompiler.compile("t.cfg", cfg);
        List<HttpRequestAction> actions = r.table().frontends().get(0).actions();
        assertEquals(3, actions.size(), actions.toString());
        assertInstanceOf(HttpRequestAction.SetHeader.class, actions.get(0));
        assertInstanceOf(HttpRequestAction.ReplacePath.class, actions.get(1));
        HttpRequestAction.AddHeader add = assertInstanceOf(HttpRequestAction.AddHeader.class, actions.get(2));
        assertEquals("add-header X-Forwarded-Proto https if ssl_fc -m bool", add.describe());
        assertTrue(r.warnings().stream().anyMatch(w -> w.format().equals("t.cfg:5: 'reqadd "
                + "X-Forwarded-Proto:\\ https if { ssl_fc }' is HAProxy 1.x syntax; lb applies it as "
                + "'http-request add-header "
                + "X-Forwarded-Proto https if { ssl_fc }'")), r.warnings().toString());
    }

    @Test
    void untranslatableLineIsAnErrorWithItsLine() {
        String cfg = "defaults\n  mode http\nbackend b\n  reqrep ^Host:\\ (.*) Host:\\ x\n"
                + "  server s 127.0.0.1:1\n";
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> TestCompiler.compile("t.cfg", cfg));
        assertTrue(e.problems().get(0).format().startsWith("t.cfg:4: 'reqrep' on the 'Host' header line"),
                e.problems().toString());
    }
}
