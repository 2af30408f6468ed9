package dev.lb.core.action;

import dev.lb.core.match.RequestFacts;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;

/**
 * A value in HAProxy's log-format syntax as used by {@code http-request set-header}: literal
 * text with {@code %[fetch]} expressions. lb evaluates {@code src}, {@code dst_port},
 * {@code ssl_fc} and {@code hdr(name)}/{@code req.hdr(name)}; the parser rejects others.
 */
public final class LogFormat {

    /** One piece of the value: literal text, or a fetch (with its header name for hdr). */
    public record Part(String literal, String fetch, String argument) {
    }

    private final List<Part> parts;
    private final String text;

    private LogFormat(List<Part> parts, String text) {
        this.parts = parts;
        this.text = text;
    }

    /** A value without expressions. */
    public static LogFormat literal(String text) {
        return new LogFormat(List.of(new Part(text, null, null)), text);
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming the expression lb does not evaluate
     */
    public static LogFormat parse(String text) {
        List<Part> parts = new java.util.ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '%' && i + 1 < text.length() && text.charAt(i + 1) == '[') {
                int end = text.indexOf(']', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated '%[' in '" + text + "'");
                }
                if (lit.length() > 0) {
                    parts.add(new Part(lit.toString(), null, null));
                    lit.setLength(0);
                }
                parts.add(fetch(text.substring(i + 2, end).trim()));
                i = end + 1;
            } else if (c == '%' && i + 1 < text.length() && text.charAt(i + 1) == '%') {
                lit.append('%');
                i += 2;
            } else {
                lit.append(c);
                i++;
            }
        }
        if (lit.length() > 0 || parts.isEmpty()) {
            parts.add(new Part(lit.toString(), null, null));
        }
        return new LogFormat(List.copyOf(parts), text);
    }

    private static Part fetch(String expr) {
        String e = expr.toLowerCase(Locale.ROOT);
        if (e.equals("src") || e.equals("dst_port") || e.equals("ssl_fc")) {
            return new Part(null, e, null);
        }
        for (String prefix : new String[] {"req.hdr(", "hdr("}) {
            if (e.startsWith(prefix) && e.endsWith(")")) {
                return new Part(null, "hdr", e.substring(prefix.length(), e.length() - 1).trim());
            }
        }
        throw new IllegalArgumentException("lb does not evaluate %[" + expr
                + "] (supported: src, dst_port, ssl_fc, hdr(name), req.hdr(name))");
    }

    /** Whether the value is one literal, so callers can skip {@link #render}. */
    public boolean isLiteral() {
        return parts.size() == 1 && parts.get(0).literal() != null;
    }

    public String render(RequestFacts request) {
        if (isLiteral()) {
            return parts.get(0).literal();
        }
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (p.literal() != null) {
                sb.append(p.literal());
                continue;
            }
            switch (p.fetch()) {
                case "src" -> {
                    InetAddress a = request.source();
                    sb.append(a == null ? "" : a.getHostAddress());
                }
                case "dst_port" -> sb.append(request.destinationPort());
                case "ssl_fc" -> sb.append(request.ssl() ? '1' : '0');
                default -> {
                    String v = request.header(p.argument());
                    sb.append(v == null ? "" : v);
                }
            }
        }
        return sb.toString();
    }

    public String describe() {
        return text;
    }
}
