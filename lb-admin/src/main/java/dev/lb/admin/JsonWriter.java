package dev.lb.admin;

/**
 * A minimal streaming JSON writer for the admin API: objects, arrays, strings, numbers and
 * booleans, with commas placed by nesting level. Enough for {@code /api/routes}; no dependency.
 */
final class JsonWriter {

    private final StringBuilder out = new StringBuilder();
    // One flag per open container: whether the next value needs a comma before it.
    private boolean[] needComma = new boolean[16];
    private int depth;

    JsonWriter beginObject() {
        value();
        out.append('{');
        push();
        return this;
    }

    JsonWriter endObject() {
        depth--;
        out.append('}');
        return this;
    }

    JsonWriter beginArray() {
        value();
        out.append('[');
        push();
        return this;
    }

    JsonWriter endArray() {
        depth--;
        out.append(']');
        return this;
    }

    /** A member name inside an object; the next call writes its value. */
    JsonWriter name(String name) {
        value();
        string(name);
        out.append(':');
        needComma[depth] = false;
        return this;
    }

    JsonWriter value(String s) {
        value();
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        return this;
    }

    JsonWriter value(long n) {
        value();
        out.append(n);
        return this;
    }

    JsonWriter value(boolean b) {
        value();
        out.append(b);
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void push() {
        depth++;
        if (depth == needComma.length) {
            needComma = java.util.Arrays.copyOf(needComma, depth * 2);
        }
        needComma[depth] = false;
    }

    private void value() {
        if (needComma[depth]) {
            out.append(',');
        }
        needComma[depth] = true;
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
