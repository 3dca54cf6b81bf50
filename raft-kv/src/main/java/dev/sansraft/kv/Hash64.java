package dev.sansraft.kv;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A fast, seeded, non-cryptographic 64-bit hash of byte arrays, used for the state digest that simulators compare
 * across nodes. Deterministic on every JVM and platform (words are read little-endian). Not for security: it detects
 * divergence, it does not resist crafted collisions. Stateless and thread-safe.
 */
final class Hash64 {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long MULTIPLIER = 0x9E37_79B9_7F4A_7C15L; // 2^64 / golden ratio, odd

    private Hash64() {
    }

    /** The SplitMix64 finaliser: a bijection that spreads every input bit over the output. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    static long hash(byte[] bytes, long seed) {
        long h = mix(seed + bytes.length * MULTIPLIER);
        int i = 0;
        for (; i + Long.BYTES <= bytes.length; i += Long.BYTES) {
            h = Long.rotateLeft(h ^ mix((long) LONGS.get(bytes, i)), 29) * MULTIPLIER;
        }
        long tail = 0;
        for (int shift = 0; i < bytes.length; i++, shift += 8) {
            tail |= (bytes[i] & 0xFFL) << shift;
        }
        return mix(h ^ mix(tail + 1));
    }
}
