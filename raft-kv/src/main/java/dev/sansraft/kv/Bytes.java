package dev.sansraft.kv;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable byte string: the type of every key and value in the store.
 *
 * <p>{@code equals} and {@code hashCode} compare content, and {@link #compareTo} orders by unsigned lexicographic
 * byte order (the order {@code memcmp} gives), so a {@code Bytes} can be a map key. The array inside is never exposed:
 * {@link #copyOf} copies in and {@link #toByteArray} copies out. Immutable and therefore thread-safe.
 */
public final class Bytes implements Comparable<Bytes> {

    /** The empty byte string. */
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] bytes;
    private int hash; // 0 = not yet computed; racy single-check is fine because the value is idempotent

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * A byte string holding a copy of {@code bytes}.
     *
     * @param bytes the content; copied, so the caller may reuse the array
     * @return the byte string, {@link #EMPTY} for an empty array
     */
    public static Bytes copyOf(byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("bytes is null");
        }
        return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone());
    }

    /**
     * A byte string holding the UTF-8 encoding of {@code text}; convenient in tests and examples.
     *
     * @param text the text to encode; not null
     * @return the byte string of its UTF-8 bytes
     */
    public static Bytes ofUtf8(String text) {
        return new Bytes(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Wraps an array without copying. Only for arrays nobody else holds (for example one a decoder has just filled),
     * which is why it is package-private.
     */
    static Bytes wrap(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes);
    }

    /** The backing array, for encoders in this package; callers must not mutate it. */
    byte[] array() {
        return bytes;
    }

    /** {@return the number of bytes} */
    public int length() {
        return bytes.length;
    }

    /** {@return a fresh copy of the content} */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** {@return the content decoded as UTF-8 (malformed sequences become U+FFFD)} */
    public String toUtf8() {
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes && Arrays.equals(bytes, ((Bytes) o).bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    @Override
    public int compareTo(Bytes other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    /** Hex of the first 32 bytes and the length; never the full value, which may be a megabyte. */
    @Override
    public String toString() {
        int shown = Math.min(bytes.length, 32);
        String hex = HexFormat.of().formatHex(bytes, 0, shown);
        return "Bytes[" + bytes.length + "B " + hex + (shown < bytes.length ? "…" : "") + "]";
    }
}
