package dev.sansraft.storage.file;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout of one log record (see {@code FORMAT.md}):
 * {@code length:int32 | crc:int32 | index:int64 | term:int64 | kind:int8 | payload}, big-endian, where
 * {@code length} counts the bytes after the CRC field and the CRC32C covers the length field and everything after
 * the CRC field. Covering the length means a flipped length bit cannot silently re-frame the rest of the segment.
 *
 * <p>Stateless apart from the caller-owned {@link CRC32C}; not instantiable.
 */
final class RecordFormat {

    /** Bytes before the payload. */
    static final int HEADER_BYTES = 25;
    /** Bytes the length field counts besides the payload: index, term, kind. */
    static final int LENGTH_OVERHEAD = 17;
    /** Largest payload a record may carry, so that every record offset fits an {@code int}. */
    static final int MAX_PAYLOAD_BYTES = (1 << 30) - 64;

    private RecordFormat() {
    }

    /** Total bytes a record for {@code entry} takes on disk. */
    static int recordBytes(LogEntry entry) {
        return HEADER_BYTES + entry.payload().length;
    }

    /**
     * Writes the 25 header bytes for {@code entry} at the buffer's position (which must have room) and advances it,
     * computing the CRC over the header fields and the whole payload. The payload itself is not written.
     */
    static void putHeader(ByteBuffer buf, LogEntry entry, CRC32C crc) {
        int p = buf.position();
        buf.putInt(LENGTH_OVERHEAD + entry.payload().length).putInt(0)
                .putLong(entry.index()).putLong(entry.term()).put(entry.kind().code());
        crc.reset();
        updateCrcHeader(crc, buf, p);
        crc.update(entry.payload());
        buf.putInt(p + 4, (int) crc.getValue());
    }

    /**
     * Checks the complete record that starts at absolute position {@code p} of {@code buf}: returns its total size
     * in bytes, or a negative {@link Flaw} code. Only a record whose every byte is inside {@code [p, limit)} can be
     * checked.
     */
    static int check(ByteBuffer buf, int p, long expectedIndex, CRC32C crc) {
        int available = buf.limit() - p;
        if (available < HEADER_BYTES) {
            return Flaw.SHORT;
        }
        int length = buf.getInt(p);
        if (length < LENGTH_OVERHEAD || length > LENGTH_OVERHEAD + MAX_PAYLOAD_BYTES) {
            return Flaw.BAD_LENGTH;
        }
        int total = length + 8;
        if (available < total) {
            return Flaw.SHORT;
        }
        crc.reset();
        updateCrcHeader(crc, buf, p);
        ByteBuffer payload = buf.duplicate();
        payload.limit(p + total).position(p + HEADER_BYTES);
        crc.update(payload);
        if ((int) crc.getValue() != buf.getInt(p + 4)) {
            return Flaw.BAD_CRC;
        }
        if (buf.getLong(p + 8) != expectedIndex) {
            return Flaw.WRONG_INDEX;
        }
        byte kind = buf.get(p + 24);
        if (kind < 0 || kind > 2 || buf.getLong(p + 16) < 1) {
            return Flaw.BAD_FIELDS;
        }
        return total;
    }

    /** Decodes a record already validated by {@link #check} at absolute position {@code p}. */
    static LogEntry decode(ByteBuffer buf, int p) {
        int payloadBytes = buf.getInt(p) - LENGTH_OVERHEAD;
        byte[] payload = new byte[payloadBytes];
        buf.get(p + HEADER_BYTES, payload);
        return new LogEntry(buf.getLong(p + 8), buf.getLong(p + 16), EntryKind.fromCode(buf.get(p + 24)), payload);
    }

    /** Term of a record at absolute position {@code p}. */
    static long term(ByteBuffer buf, int p) {
        return buf.getLong(p + 16);
    }

    private static void updateCrcHeader(CRC32C crc, ByteBuffer buf, int p) {
        ByteBuffer view = buf.duplicate();
        view.limit(p + 4).position(p);
        crc.update(view);
        view.limit(p + HEADER_BYTES).position(p + 8);
        crc.update(view);
    }

    /** Why {@link #check} rejected a record; all negative so they never collide with a size. */
    static final class Flaw {
        static final int SHORT = -1;
        static final int BAD_LENGTH = -2;
        static final int BAD_CRC = -3;
        static final int WRONG_INDEX = -4;
        static final int BAD_FIELDS = -5;

        private Flaw() {
        }

        static String describe(int code) {
            switch (code) {
                case SHORT: return "record cut short";
                case BAD_LENGTH: return "impossible record length";
                case BAD_CRC: return "record checksum mismatch";
                case WRONG_INDEX: return "record holds an unexpected index";
                case BAD_FIELDS: return "record holds an invalid kind or term";
                default: return "unknown flaw " + code;
            }
        }
    }
}
