package dev.sansraft.storage.file;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The fixed 32-byte header at the start of every segment file (see {@code FORMAT.md}): magic, format version, the
 * segment id (which also names the file) and the index of the segment's first record, protected by a CRC32C.
 *
 * <p>Immutable and thread-safe.
 *
 * @param segmentId  unique, increasing id of the segment within its directory
 * @param firstIndex log index of the first record the segment holds (or will hold), at least 1
 */
record SegmentHeader(long segmentId, long firstIndex) {

    static final int MAGIC = 0x53524C47; // "SRLG"
    static final short VERSION = 1;
    static final int BYTES = 32;
    private static final int CRC_OFFSET = 28;

    SegmentHeader {
        if (segmentId < 1 || firstIndex < 1) {
            throw new IllegalArgumentException("segment id and first index must be >= 1, got id " + segmentId
                    + ", first index " + firstIndex);
        }
    }

    /** Writes the header at the buffer's position and advances it by {@link #BYTES}. */
    void encode(ByteBuffer buf) {
        int start = buf.position();
        buf.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(segmentId).putLong(firstIndex).putInt(0);
        buf.putInt(crc(buf, start));
    }

    /**
     * Decodes a header from the {@link #BYTES} bytes at the buffer's position.
     *
     * @throws CorruptLogException naming {@code file} if the header is damaged or from an unknown version
     */
    static SegmentHeader decode(ByteBuffer buf, Path file) throws CorruptLogException {
        int start = buf.position();
        if (buf.getInt(start) != MAGIC) {
            throw new CorruptLogException(file, 0, "bad segment magic " + Integer.toHexString(buf.getInt(start)));
        }
        if (buf.getInt(start + CRC_OFFSET) != crc(buf, start)) {
            throw new CorruptLogException(file, 0, "segment header checksum mismatch");
        }
        short version = buf.getShort(start + 4);
        if (version != VERSION) {
            throw new CorruptLogException(file, 4, "unsupported segment format version " + version
                    + " (this build reads version " + VERSION + ")");
        }
        long id = buf.getLong(start + 8);
        long first = buf.getLong(start + 16);
        if (id < 1 || first < 1) {
            throw new CorruptLogException(file, 8, "segment header holds id " + id + ", first index " + first);
        }
        buf.position(start + BYTES);
        return new SegmentHeader(id, first);
    }

    private static int crc(ByteBuffer buf, int start) {
        CRC32C crc = new CRC32C();
        ByteBuffer view = buf.duplicate();
        view.limit(start + CRC_OFFSET).position(start);
        crc.update(view);
        return (int) crc.getValue();
    }
}
