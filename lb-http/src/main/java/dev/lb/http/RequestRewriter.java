package dev.lb.http;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.match.RequestFacts;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.regex.Matcher;

/**
 * Applies {@code http-request} rules to a request in place (HAProxy configuration manual 4.2,
 * "http-request"): each rule in order, its condition evaluated against the request as the
 * earlier rules left it. The first {@code deny} or {@code auth} whose condition holds stops
 * evaluation: the request is answered, not forwarded.
 */
final class RequestRewriter {

    private RequestRewriter() {
    }

    /**
     * @return null to go on, or the {@code deny} or {@code auth} rule that stopped the request
     */
    static HttpRequestAction apply(List<HttpRequestAction> actions, HttpRequest request, RequestFacts facts,
            Runnable uriChanged) {
        HttpHeaders h = request.headers();
        for (int i = 0; i < actions.size(); i++) {
            HttpRequestAction a = actions.get(i);
            if (!a.condition().test(facts)) {
                continue;
            }
            if (a instanceof HttpRequestAction.SetHeader s) {
                String v = s.value().render(facts);
                h.set(s.name(), v);
            } else if (a instanceof HttpRequestAction.AddHeader s) {
                h.add(s.name(), s.value().render(facts));
            } else if (a instanceof HttpRequestAction.DelHeader d) {
                h.remove(d.name());
            } else if (a instanceof HttpRequestAction.ReplacePath r) {
                String uri = request.uri();
                int q = uri.indexOf('?');
                String path = q < 0 ? uri : uri.substring(0, q);
                Matcher m = r.regex().matcher(path);
                if (m.find()) {
                    // As replace-header: when the regex matches, the whole path becomes the
                    // replacement with its \N references expanded (so "(.*) /foo\1" prefixes).
                    String replaced = expand(r.replacement(), m);
                    request.setUri(q < 0 ? replaced : replaced + uri.substring(q));
                    uriChanged.run();
                }
            } else if (a instanceof HttpRequestAction.Deny || a instanceof HttpRequestAction.Auth) {
                return a;
            }
        }
        return null;
    }

    /** The status lb answers for a rule {@link #apply} stopped at. */
    static int status(HttpRequestAction stop) {
        if (stop instanceof HttpRequestAction.Deny d) {
            return d.status() > 0 ? d.status() : 403;
        }
        return 401;
    }

    /** The realm of the Basic challenge to send with the answer, or null for none. */
    static String realm(HttpRequestAction stop) {
        return stop instanceof HttpRequestAction.Auth a ? a.realm() : null;
    }

    /** Expands {@code \N} (HAProxy) and {@code $N} (Java) group references. */
    static String expand(String replacement, Matcher m) {
        StringBuilder sb = new StringBuilder(replacement.length() + 16);
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if ((c == '\\' || c == '$') && i + 1 < replacement.length()
                    && Character.isDigit(replacement.charAt(i + 1))) {
                int g = replacement.charAt(++i) - '0';
                if (g <= m.groupCount() && m.group(g) != null) {
                    sb.append(m.group(g));
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
