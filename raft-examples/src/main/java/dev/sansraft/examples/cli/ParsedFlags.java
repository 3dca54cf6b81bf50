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

    /**
     * The value of a switch declared with {@link FlagSet#toggle}.
     *
     * @param name the switch's name, without {@code --}
     * @return true if the switch was given (or set to {@code true})
     */
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

    /**
     * The raw value of a declared flag: as given, or its default.
     *
     * @param name the flag's name, without {@code --}
     * @return the value as text
     * @throws IllegalArgumentException if no such flag was declared
     */
    public String string(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("flag --" + name + " was never declared");
        }
        return value;
    }

    /**
     * An integer within {@code [min, max]}.
     *
     * @param name the flag's name, without {@code --}
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return the value
     */
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

    /**
     * A byte count within {@code [min, max]}, written as {@link ByteSize} reads it (e.g. {@code 64MiB}).
     *
     * @param name the flag's name, without {@code --}
     * @param min the smallest byte count allowed
     * @param max the largest byte count allowed
     * @return the byte count
     */
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

    /**
     * An integer within {@code [min, max]}.
     *
     * @param name the flag's name, without {@code --}
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return the value
     */
    public int intValue(String name, int min, int max) {
        return (int) longValue(name, min, max);
    }

    /**
     * A finite decimal within {@code [min, max]}.
     *
     * @param name the flag's name, without {@code --}
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return the value
     */
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

    /**
     * A positive duration such as {@code 10s}, {@code 500ms}, {@code 2m}; a bare number means seconds.
     *
     * @param name the flag's name, without {@code --}
     * @return the duration, positive
     */
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

    /**
     * One of the given choices, compared case-insensitively; returned in lower case.
     *
     * @param name the flag's name, without {@code --}
     * @param choices the accepted values, in lower case
     * @return the matching choice
     */
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
