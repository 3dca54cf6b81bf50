package dev.sansraft.examples.cli;

import java.time.Duration;
import java.util.Map;

/**
 * The flag values of one parsed command line, defaults filled in. The typed accessors throw {@link UsageException}
 * naming the flag and the bad value. Immutable and thread-safe.
 */
public final class ParsedFlags {
    private final Map<String, String> values;

    ParsedFlags(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The value of a switch declared with {@link FlagSet#toggle}. */
    public boolean isSet(String name) {
        String v = string(name);
        if (v.equals("true")) {
            return true;
        }
        if (v.equals("false")) {
            return false;
        }
        throw new UsageException("flag --" + name + " takes no value (or =true / =false), got '" + v + "'");
    }

    public String string(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("flag --" + name + " was never declared");
        }
        return value;
    }

    /** An integer within {@code [min, max]}. */
    public long longValue(String name, long min, long max) {
        String text = string(name);
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("flag --" + name + ": '" + text + "' is not an integer");
        }
        if (value < min || value > max) {
            throw new UsageException("flag --" + name + ": " + value + " is outside [" + min + ", " + max + "]");
        }
        return value;
    }

    /** A byte count within {@code [min, max]}, written as {@link ByteSize} reads it (e.g. {@code 64MiB}). */
    public long byteSize(String name, long min, long max) {
        String text = string(name);
        long value;
        try {
            value = ByteSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("flag --" + name + ": '" + text + "' is not a size like 4096, 64KiB or 1GiB: "
                    + e.getMessage());
        }
        if (value < min || value > max) {
            throw new UsageException("flag --" + name + ": " + text + " is outside [" + ByteSize.format(min) + ", "
                    + ByteSize.format(max) + "]");
        }
        return value;
    }

    public int intValue(String name, int min, int max) {
        return (int) longValue(name, min, max);
    }

    /** A finite decimal within {@code [min, max]}. */
    public double doubleValue(String name, double min, double max) {
        String text = string(name);
        double value;
        try {
            value = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("flag --" + name + ": '" + text + "' is not a number");
        }
        if (!(value >= min && value <= max)) {
            throw new UsageException("flag --" + name + ": " + text + " is outside [" + min + ", " + max + "]");
        }
        return value;
    }

    /** A positive duration such as {@code 10s}, {@code 500ms}, {@code 2m}; a bare number means seconds. */
    public Duration duration(String name) {
        String text = string(name).trim();
        try {
            Duration d;
            if (text.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            } else if (text.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
            } else if (text.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
            } else {
                d = Duration.ofSeconds(Long.parseLong(text));
            }
            if (d.isNegative() || d.isZero()) {
                throw new UsageException("flag --" + name + ": '" + text + "' must be positive");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("flag --" + name + ": '" + text + "' is not a duration like 10s, 500ms or 2m");
        }
    }

    /** One of the given choices, compared case-insensitively; returned in lower case. */
    public String choice(String name, String... choices) {
        String text = string(name).trim().toLowerCase(java.util.Locale.ROOT);
        for (String c : choices) {
            if (c.equals(text)) {
                return c;
            }
        }
        throw new UsageException("flag --" + name + ": '" + string(name) + "' is not one of "
                + String.join(", ", choices));
    }
}
