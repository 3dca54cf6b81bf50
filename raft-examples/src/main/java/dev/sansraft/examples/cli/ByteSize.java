package dev.sansraft.examples.cli;

import java.util.Locale;

/**
 * Byte counts as people write them on a command line: {@code 4096}, {@code 64KiB}, {@code 256MiB}, {@code 1GiB}
 * ({@code K}, {@code KB}, {@code M}, {@code MB}, {@code G}, {@code GB} are read as the same binary multiples, and
 * case does not matter). Stateless.
 */
public final class ByteSize {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private ByteSize() {
    }

    /**
     * Parses {@code text}.
     *
     * @param text a size such as {@code 4096}, {@code 64KiB} or {@code 1GiB}
     * @return the size in bytes
     * @throws IllegalArgumentException if it is not a non-negative whole number with an optional unit, or overflows
     */
    public static long parse(String text) {
        String t = text.trim();
        int end = t.length();
        while (end > 0 && !Character.isDigit(t.charAt(end - 1))) {
            end--;
        }
        String digits = t.substring(0, end).trim();
        String unit = t.substring(end).trim();
        int shift = switch (unit.toUpperCase(Locale.ROOT)) {
            case "", "B" -> 0;
            case "K", "KB", "KIB" -> 10;
            case "M", "MB", "MIB" -> 20;
            case "G", "GB", "GIB" -> 30;
            case "T", "TB", "TIB" -> 40;
            default -> throw new IllegalArgumentException("unknown unit '" + unit
                    + "'; use B, KiB, MiB, GiB or TiB");
        };
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not a whole number of bytes");
        }
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("too large");
        }
        if (value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("too large");
        }
        return value << shift;
    }

    /**
     * {@code bytes} in the largest unit that divides it exactly, e.g. {@code 256MiB}; plain digits otherwise.
     *
     * @param bytes the size in bytes
     * @return the size as {@link #parse} reads it back
     */
    public static String format(long bytes) {
        int unit = 0;
        long value = bytes;
        while (unit < UNITS.length - 1 && value != 0 && (value & 1023) == 0) {
            value >>= 10;
            unit++;
        }
        return unit == 0 ? Long.toString(bytes) : value + UNITS[unit];
    }
}
