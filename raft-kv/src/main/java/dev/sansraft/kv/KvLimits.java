package dev.sansraft.kv;

/**
 * Size limits on keys and values. Immutable.
 *
 * <p>Defaults: a key is at most {@value #DEFAULT_MAX_KEY_BYTES} bytes (4 KiB) and a value at most
 * {@value #DEFAULT_MAX_VALUE_BYTES} bytes (1 MiB). Keys may be empty. Every node of a cluster must use the same
 * limits, because the state machine rejects a command over the limits deterministically and all nodes must agree on
 * which commands those are. The limits also bound what a decoder allocates for untrusted bytes.
 *
 * @param maxKeyBytes   largest key, 1 .. 64 MiB
 * @param maxValueBytes largest value, 1 .. 256 MiB
 */
public record KvLimits(int maxKeyBytes, int maxValueBytes) {

    /** Largest key by default: 4 KiB. */
    public static final int DEFAULT_MAX_KEY_BYTES = 4096;
    /** Largest value by default: 1 MiB. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;

    /** The default limits. */
    public static final KvLimits DEFAULT = new KvLimits(DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES);

    /**
     * Checks that each limit is in range.
     *
     * @param maxKeyBytes largest key, 1 .. 64 MiB
     * @param maxValueBytes largest value, 1 .. 256 MiB
     * @throws IllegalArgumentException naming the limit out of range
     */
    public KvLimits {
        if (maxKeyBytes < 1 || maxKeyBytes > (64 << 20)) {
            throw new IllegalArgumentException("maxKeyBytes must be in 1..67108864, got " + maxKeyBytes);
        }
        if (maxValueBytes < 1 || maxValueBytes > (256 << 20)) {
            throw new IllegalArgumentException("maxValueBytes must be in 1..268435456, got " + maxValueBytes);
        }
    }

    /**
     * Checks a key a caller wants to send.
     *
     * @param keyBytes the key's size in bytes
     * @throws IllegalArgumentException naming the size and the limit
     */
    public void checkKey(int keyBytes) {
        if (keyBytes > maxKeyBytes) {
            throw new IllegalArgumentException("key is " + keyBytes + " bytes, limit is " + maxKeyBytes);
        }
    }

    /**
     * Checks a value a caller wants to send.
     *
     * @param valueBytes the value's size in bytes
     * @throws IllegalArgumentException naming the size and the limit
     */
    public void checkValue(int valueBytes) {
        if (valueBytes > maxValueBytes) {
            throw new IllegalArgumentException("value is " + valueBytes + " bytes, limit is " + maxValueBytes);
        }
    }
}
