package dev.sansraft.examples.http;

import java.util.Collection;

/**
 * A minimal JSON object writer for the API's small responses: {@code Json.object().field("index", 7).end()}.
 * Strings are escaped per RFC 8259. Not thread-safe; one instance per response.
 */
public final class Json {
    private final StringBuilder out = new StringBuilder(128);
    private boolean first = true;

    private Json() {
        out.append('{');
    }

    /** {@return a new object, open for fields} */
    public static Json object() {
        return new Json();
    }

    /**
     * A number field.
     *
     * @param name the field name; escaped as needed
     * @param value the number to write
     * @return this object
     */
    public Json field(String name, long value) {
        name(name).append(value);
        return this;
    }

    /**
     * A boolean field.
     *
     * @param name the field name; escaped as needed
     * @param value the boolean to write
     * @return this object
     */
    public Json field(String name, boolean value) {
        name(name).append(value);
        return this;
    }

    /**
     * A string field; null writes JSON {@code null}.
     *
     * @param name the field name; escaped as needed
     * @param value the value, escaped as needed; may be null
     * @return this object
     */
    public Json field(String name, String value) {
        StringBuilder b = name(name);
        if (value == null) {
            b.append("null");
        } else {
            quote(b, value);
        }
        return this;
    }

    /**
     * An array-of-numbers field.
     *
     * @param name the field name; escaped as needed
     * @param values the numbers, in iteration order
     * @return this object
     */
    public Json field(String name, Collection<? extends Number> values) {
        StringBuilder b = name(name).append('[');
        boolean firstValue = true;
        for (Number n : values) {
            if (!firstValue) {
                b.append(',');
            }
            firstValue = false;
            b.append(n.longValue());
        }
        b.append(']');
        return this;
    }

    /**
     * A field whose value is already-rendered JSON (an object or array built by another {@code Json}).
     *
     * @param name the field name; escaped as needed
     * @param json valid JSON, inserted as is
     * @return this object
     */
    public Json rawField(String name, String json) {
        name(name).append(json);
        return this;
    }

    /**
     * Closes the object and returns the text.
     *
     * @return the object's JSON text
     */
    public String end() {
        return out.append('}').toString();
    }

    private StringBuilder name(String name) {
        if (!first) {
            out.append(',');
        }
        first = false;
        quote(out, name);
        return out.append(':');
    }

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
