package dev.sansraft.storage.file;

import dev.sansraft.core.Membership;
import dev.sansraft.core.MembershipCodec;
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
 * position and configuration, and a fixed 24-byte trailer with the payload's length and CRC32C, each protected by its
 * own CRC32C. Also names snapshot files.
 *
 * <p>Version 2 headers hold the whole configuration (voters, learners, endpoints, joint state) in the core's
 * {@link MembershipCodec} format; version 1 headers, written before membership changes, hold voter ids only and are
 * still read, as a configuration of those voters.
 *
 * <p>Stateless and thread-safe.
 */
final class SnapshotFraming {

    static final int HEADER_MAGIC = 0x5352534E; // "SRSN"
    static final int TRAILER_MAGIC = 0x53525345; // "SRSE"
    static final short VERSION = 2;
    /** The version before configurations had more than voter ids; still readable. */
    static final short VERSION_VOTER_IDS = 1;
    /**
     * Fixed part of the header: magic, version, flags, index, term, and then the member count (version 1) or the
     * configuration's length in bytes (version 2).
     */
    static final int HEADER_FIXED_BYTES = 28;
    static final int TRAILER_BYTES = 24;
    /** Bounds a version 1 header so that a damaged count cannot make recovery read or allocate much. */
    static final int MAX_MEMBERS = 1024;
    /** Bounds every header, so that a damaged length cannot make recovery read or allocate much. */
    static final int MAX_HEADER_BYTES = HEADER_FIXED_BYTES + 8 * MAX_MEMBERS + 4;
    static final String SUFFIX = ".snap";
    static final String TEMP_SUFFIX = ".snap.tmp";

    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})-(\\d{20})\\.snap");

    private SnapshotFraming() {
    }

    /** The size of a version 1 header listing {@code memberCount} voter ids. */
    static int headerBytes(int memberCount) {
        return HEADER_FIXED_BYTES + 8 * memberCount + 4;
    }

    /** The size of the header this version writes for {@code membership}. */
    static int headerBytes(Membership membership) {
        return HEADER_FIXED_BYTES + MembershipCodec.encodedSize(membership) + 4;
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

    /** Writes a current-version header at the buffer's position and advances past it. */
    static void encodeHeader(ByteBuffer buf, long index, long term, Membership membership) {
        int start = buf.position();
        buf.putInt(HEADER_MAGIC).putShort(VERSION).putShort((short) 0).putLong(index).putLong(term)
                .putInt(MembershipCodec.encodedSize(membership));
        MembershipCodec.encode(membership, buf);
        buf.putInt(crc(buf, start, buf.position() - start));
    }

    /** The position and configuration a header holds. */
    record Header(long index, long term, Membership membership, int bytes) {
    }

    /**
     * Reads the whole header's size from the fixed part at the buffer's position, checking magic, version and the
     * bounds of the size first, so the caller knows how many header bytes to read.
     */
    static int decodeHeaderBytes(ByteBuffer fixed, Path file) throws CorruptSnapshotException {
        int start = fixed.position();
        int magic = fixed.getInt(start);
        if (magic != HEADER_MAGIC) {
            throw new CorruptSnapshotException(file.toString(), 0, "bad snapshot magic " + Integer.toHexString(magic));
        }
        short version = fixed.getShort(start + 4);
        int field = fixed.getInt(start + 24);
        if (version == VERSION_VOTER_IDS) {
            if (field < 1 || field > MAX_MEMBERS) {
                throw new CorruptSnapshotException(file.toString(), 24, "impossible member count " + field);
            }
            return headerBytes(field);
        }
        if (version != VERSION) {
            throw new CorruptSnapshotException(file.toString(), 4, "unsupported snapshot format version " + version
                    + " (this build reads versions " + VERSION_VOTER_IDS + " and " + VERSION + ")");
        }
        if (field < 1 || field > MAX_HEADER_BYTES - HEADER_FIXED_BYTES - 4) {
            throw new CorruptSnapshotException(file.toString(), 24, "impossible configuration length " + field);
        }
        return HEADER_FIXED_BYTES + field + 4;
    }

    /** Decodes a whole header (its length given by {@link #decodeHeaderBytes}) from the buffer's position. */
    static Header decodeHeader(ByteBuffer buf, Path file) throws CorruptSnapshotException {
        int start = buf.position();
        int headerBytes = decodeHeaderBytes(buf, file);
        int crcOffset = headerBytes - 4;
        if (buf.getInt(start + crcOffset) != crc(buf, start, crcOffset)) {
            throw new CorruptSnapshotException(file.toString(), crcOffset, "snapshot header checksum mismatch");
        }
        long index = buf.getLong(start + 8);
        long term = buf.getLong(start + 16);
        Membership membership;
        if (buf.getShort(start + 4) == VERSION_VOTER_IDS) {
            int count = buf.getInt(start + 24);
            List<Long> members = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                members.add(buf.getLong(start + HEADER_FIXED_BYTES + 8 * i));
            }
            try {
                membership = Membership.ofVoters(members);
            } catch (IllegalArgumentException e) {
                throw new CorruptSnapshotException(file.toString(), HEADER_FIXED_BYTES,
                        "header holds invalid members: " + e.getMessage());
            }
        } else {
            byte[] block = new byte[crcOffset - HEADER_FIXED_BYTES];
            buf.get(start + HEADER_FIXED_BYTES, block);
            try {
                membership = MembershipCodec.decode(block);
            } catch (IllegalArgumentException e) {
                throw new CorruptSnapshotException(file.toString(), HEADER_FIXED_BYTES,
                        "header holds an invalid configuration: " + e.getMessage());
            }
        }
        buf.position(start + headerBytes);
        return new Header(index, term, membership, headerBytes);
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
