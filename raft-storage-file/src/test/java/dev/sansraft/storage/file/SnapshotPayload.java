package dev.sansraft.storage.file;

import dev.sansraft.node.SnapshotReader;

import java.io.IOException;
import java.io.OutputStream;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * Deterministic snapshot payloads that never exist whole in memory: the byte at position {@code p} of payload
 * {@code seed} is a hash of both, so a writer and a checking reader can produce the same bytes chunk by chunk.
 */
final class SnapshotPayload {

    private SnapshotPayload() {
    }

    static byte at(long seed, long position) {
        long z = (position + seed * 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        z ^= z >>> 31;
        return (byte) (z >>> 24);
    }

    static void fill(long seed, long from, byte[] into, int off, int len) {
        for (int i = 0; i < len; i++) {
            into[off + i] = at(seed, from + i);
        }
    }

    /**
     * Writes {@code size} bytes of payload {@code seed} to {@code out} in randomly sized pieces (some single bytes),
     * reusing one scratch array.
     *
     * @return the CRC32C of what was written
     */
    static long write(OutputStream out, long seed, long size, byte[] scratch, SplittableRandom random)
            throws IOException {
        CRC32C crc = new CRC32C();
        long written = 0;
        while (written < size) {
            if (random.nextInt(16) == 0) {
                byte b = at(seed, written);
                out.write(b);
                crc.update(b);
                written++;
                continue;
            }
            int n = (int) Math.min(size - written, 1 + random.nextInt(scratch.length));
            fill(seed, written, scratch, 0, n);
            out.write(scratch, 0, n);
            crc.update(scratch, 0, n);
            written += n;
        }
        return crc.getValue();
    }

    /** Reads {@code in} to its end, checking every byte against payload {@code seed}; returns the byte count. */
    static long readAndCheck(SnapshotReader in, long seed, byte[] scratch) throws IOException {
        long position = 0;
        int n;
        while ((n = in.read(scratch, 0, scratch.length)) >= 0) {
            for (int i = 0; i < n; i++) {
                if (scratch[i] != at(seed, position + i)) {
                    throw new AssertionError("payload " + seed + " differs at byte " + (position + i));
                }
            }
            position += n;
        }
        return position;
    }
}
