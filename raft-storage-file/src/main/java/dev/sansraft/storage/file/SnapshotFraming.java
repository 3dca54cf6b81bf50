package dev.sansraft.storage.file;

import dev.sansraft.node.CorruptSnapshotException;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The framing around a snapshot's payload (see {@code FORMAT.md}, "Snapshot files"): a header with the snapshot's
 * position and membership, and a fixed 24-byte trailer with the payload's length and CRC32C, each protected by its
 * own CRC32C. Also names snapshot files.
 *
 * <p>Stateless and thread-safe.
 */
final class SnapshotFraming {

    static final int HEADER_MAGIC = 0x5352534E; // "SRSN"
    static final int TRAILER_MAGIC = 0x53525345; // "SRSE"
    static final short VERSION = 1;
    /** Fixed part of the header: magic, version, flags, index, term, member count. */
    static final int HEADER_FIXED_BYTES = 28;
    static final int TRAILER_BYTES = 24;
    /** Bounds the header so that a damaged count cannot make recovery read or allocate much. */
    static final int MAX_MEMBERS = 1024;
    static final String SUFFIX = ".snap";
    static final String TEMP_SUFFIX = ".snap.tmp";

    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})-(\\d{20})\\.snap");

    private SnapshotFraming() {
    }

    static int headerBytes(int memberCount) {
        return HEADER_FIXED_BYTES + 8 * memberCount + 4;
    }

    static String fileName(long index, long term) {
        return String.format("snapshot-%020d-%020d%s", index, term, SUFFIX);
    }

    static String tempFileName(long index, long term) {
        return String.format("snapshot-%020d-%020d%s", index, term, TEMP_SUFFIX);
    }

    /** The {index, term} a snapshot file name carries, or null if the name is not a snapshot file's. */
    static long[] parseName(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
        } catch (NumberFormatException e) {
            return null; // 20 digits can exceed Long.MAX_VALUE: not a name this store wrote.
        }
    }

    /** Writes the header at the buffer's position and advances past it. */
    static void encodeHeader(ByteBuffer buf, long index, long term, List<Long> members) {
        int start = buf.position();
        buf.putInt(HEADER_MAGIC).putShort(VERSION).putShort((short) 0).putLong(index).putLong(term)
                .putInt(members.size());
        for (long id : members) {
            buf.putLong(id);
        }
        buf.putInt(crc(buf, start, buf.position() - start));
    }

    /** The position a header holds. */
    record Header(long index, long term, List<Long> members, int bytes) {
    }

    /**
     * Reads the member count from the fixed part at the buffer's position, checking magic and version first, so the
     * caller knows how many header bytes to read.
     */
    static int decodeMemberCount(ByteBuffer fixed, Path file) throws CorruptSnapshotException {
        int start = fixed.position();
        int magic = fixed.getInt(start);
        if (magic != HEADER_MAGIC) {
            throw new CorruptSnapshotException(file.toString(), 0, "bad snapshot magic " + Integer.toHexString(magic));
        }
        short version = fixed.getShort(start + 4);
        if (version != VERSION) {
            throw new CorruptSnapshotException(file.toString(), 4, "unsupported snapshot format version " + version
                    + " (this build reads version " + VERSION + ")");
        }
        int count = fixed.getInt(start + 24);
        if (count < 1 || count > MAX_MEMBERS) {
            throw new CorruptSnapshotException(file.toString(), 24, "impossible member count " + count);
        }
        return count;
    }

    /** Decodes a whole header (its length given by {@link #decodeMemberCount}) from the buffer's position. */
    static Header decodeHeader(ByteBuffer buf, Path file) throws CorruptSnapshotException {
        int start = buf.position();
        int count = decodeMemberCount(buf, file);
        int crcOffset = HEADER_FIXED_BYTES + 8 * count;
        if (buf.getInt(start + crcOffset) != crc(buf, start, crcOffset)) {
            throw new CorruptSnapshotException(file.toString(), crcOffset, "snapshot header checksum mismatch");
        }
        long index = buf.getLong(start + 8);
        long term = buf.getLong(start + 16);
        List<Long> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            members.add(buf.getLong(start + HEADER_FIXED_BYTES + 8 * i));
        }
        buf.position(start + crcOffset + 4);
        return new Header(index, term, members, crcOffset + 4);
    }

    /** Writes the trailer at the buffer's position and advances past it. */
    static void encodeTrailer(ByteBuffer buf, long payloadBytes, long payloadCrc) {
        int start = buf.position();
        buf.putLong(payloadBytes).putInt((int) payloadCrc).putInt(TRAILER_MAGIC).putInt(0);
        buf.putInt(crc(buf, start, 20));
    }

    /** Payload length and CRC32C that a trailer records. */
    record Trailer(long payloadBytes, long payloadCrc) {
    }

    /** Decodes the {@link #TRAILER_BYTES} at the buffer's position, which sit at {@code fileOffset} in the file. */
    static Trailer decodeTrailer(ByteBuffer buf, Path file, long fileOffset) throws CorruptSnapshotException {
        int start = buf.position();
        if (buf.getInt(start + 20) != crc(buf, start, 20)) {
            throw new CorruptSnapshotException(file.toString(), fileOffset + 20,
                    "snapshot trailer checksum mismatch (torn or damaged end of file)");
        }
        if (buf.getInt(start + 12) != TRAILER_MAGIC) {
            throw new CorruptSnapshotException(file.toString(), fileOffset + 12, "bad snapshot trailer magic");
        }
        long length = buf.getLong(start);
        if (length < 0) {
            throw new CorruptSnapshotException(file.toString(), fileOffset, "negative payload length " + length);
        }
        buf.position(start + TRAILER_BYTES);
        return new Trailer(length, Integer.toUnsignedLong(buf.getInt(start + 8)));
    }

    private static int crc(ByteBuffer buf, int start, int length) {
        CRC32C crc = new CRC32C();
        ByteBuffer view = buf.duplicate();
        view.limit(start + length).position(start);
        crc.update(view);
        return (int) crc.getValue();
    }
}
