package dev.sansraft.transport.tcp;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Membership;
import dev.sansraft.core.MembershipCodec;
import dev.sansraft.core.Message;
import dev.sansraft.core.Message.AppendRequest;
import dev.sansraft.core.Message.AppendResponse;
import dev.sansraft.core.Message.InstallSnapshot;
import dev.sansraft.core.Message.InstallSnapshotResponse;
import dev.sansraft.core.Message.ReadIndexRequest;
import dev.sansraft.core.Message.ReadIndexResponse;
import dev.sansraft.core.Message.TimeoutNow;
import dev.sansraft.core.Message.VoteRequest;
import dev.sansraft.core.Message.VoteResponse;
import dev.sansraft.core.SnapshotInfo;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Encodes every {@link Message} into one self-delimiting binary frame and decodes frames back, treating every input
 * byte as hostile.
 *
 * <p>Frame layout (big-endian; see {@code WIRE.md}): {@code int32 length} (bytes after this field),
 * {@code int32 crc32c} (over every byte after the checksum), {@code u8 version}, {@code u8 type}, body. A frame is at
 * most {@link #maxFrameBytes()} bytes including the length field. Decoding checks the length against that maximum
 * before anything is allocated, verifies the checksum, then checks every count and length against the bytes left in
 * the frame before allocating for it, so a hostile frame can cost at most one frame's worth of memory. Any defect
 * raises {@link FrameDecodeException} and nothing else.
 *
 * <p>Round trip: for every message the core records accept, {@code decode(encode(m))} equals {@code m} (for an
 * {@link InstallSnapshot}, field by field with {@code data} compared by content, since the record compares its array by
 * identity). A snapshot chunk's {@code data} is copied exactly once on each side: from the array into the frame when
 * encoding, and from the received frame into one new array of the chunk's length when decoding, the same as an
 * {@link AppendRequest}'s entry payloads. {@link #encodeAroundChunk} writes a chunk's frame without the encoding copy,
 * for a TLS engine that copies the data itself.
 *
 * <p>Not thread-safe: an instance keeps a checksum scratch object; use one instance per thread.
 */
public final class MessageCodec {

    /**
     * The wire format version written into every frame and the only one accepted. Version 2 added the snapshot
     * messages; version 3 added membership changes (TimeoutNow, the vote request's leadership-transfer flag and the
     * snapshot's configuration block); version 4 the append request's {@code roundAwaited} flag. See {@code WIRE.md}
     * for why older peers are refused rather than half-supported.
     */
    public static final int VERSION = 4;
    /** The smallest allowed {@link #maxFrameBytes()}. */
    public static final int MIN_MAX_FRAME_BYTES = 1024;

    static final int LENGTH_BYTES = 4;
    /** Length, checksum, version and type. */
    static final int HEADER_BYTES = 10;
    static final int MAX_HELLO_FRAME_BYTES = 512;

    static final int TYPE_VOTE_REQUEST = 1;
    static final int TYPE_VOTE_RESPONSE = 2;
    static final int TYPE_APPEND_REQUEST = 3;
    static final int TYPE_APPEND_RESPONSE = 4;
    static final int TYPE_READ_INDEX_REQUEST = 5;
    static final int TYPE_READ_INDEX_RESPONSE = 6;
    static final int TYPE_INSTALL_SNAPSHOT = 7;
    static final int TYPE_INSTALL_SNAPSHOT_RESPONSE = 8;
    static final int TYPE_TIMEOUT_NOW = 9;
    static final int TYPE_HELLO = 0x48;

    /** "SRFT": rejects a stranger speaking some other protocol at the first frame. */
    static final int HELLO_MAGIC = 0x53524654;

    private static final int MIN_LENGTH_FIELD = HEADER_BYTES - LENGTH_BYTES;
    private static final int ROUTING_BYTES = 24;
    private static final int VOTE_REQUEST_BODY = ROUTING_BYTES + 17;
    private static final int VOTE_RESPONSE_BODY = ROUTING_BYTES + 1;
    private static final int APPEND_REQUEST_FIXED_BODY = ROUTING_BYTES + 37;
    private static final int APPEND_RESPONSE_BODY = ROUTING_BYTES + 41;
    private static final int READ_INDEX_REQUEST_BODY = ROUTING_BYTES + 8;
    private static final int READ_INDEX_RESPONSE_BODY = ROUTING_BYTES + 17;
    /** term, kind and payload length of one entry; its index is implied by prevLogIndex. */
    private static final int ENTRY_FIXED_BYTES = 13;
    /**
     * Routing, snapshot index, term and size, u32 checksum, chunk offset and member count; the members and the chunk
     * (its {@code int32} length and bytes) follow.
     */
    private static final int INSTALL_SNAPSHOT_FIXED_BODY = ROUTING_BYTES + 8 + 8 + 8 + 4 + 8 + 4;
    private static final int MEMBER_BYTES = 8;
    private static final int CHUNK_LENGTH_BYTES = 4;
    private static final int INSTALL_SNAPSHOT_RESPONSE_BODY = ROUTING_BYTES + 17;
    private static final int TIMEOUT_NOW_BODY = ROUTING_BYTES;
    /** The length field of an InstallSnapshot's optional configuration block. */
    private static final int CONFIGURATION_LENGTH_BYTES = 4;

    /**
     * The most members a snapshot may list on the wire. Far above any real Raft cluster, and low enough that a hostile
     * frame cannot make the decoder (and {@link SnapshotInfo}'s duplicate check) box and hash millions of ids.
     */
    public static final int MAX_SNAPSHOT_MEMBERS = 4096;

    private static final int FLAG_A = 1;
    private static final int FLAG_B = 2;

    private final int maxFrameBytes;
    private final CRC32C crc = new CRC32C();

    /**
     * A codec that writes and accepts frames of at most {@code maxFrameBytes} bytes.
     *
     * @param maxFrameBytes the largest frame, length field included, written or accepted
     * @throws IllegalArgumentException if {@code maxFrameBytes} is below {@link #MIN_MAX_FRAME_BYTES}
     */
    public MessageCodec(int maxFrameBytes) {
        if (maxFrameBytes < MIN_MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be at least " + MIN_MAX_FRAME_BYTES + ", got "
                    + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    /** {@return the largest frame, length field included, that this codec writes or accepts} */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * The size in bytes of {@code message}'s frame, length field included. A {@code long} because an absurd batch can
     * exceed {@code int}; compare it with {@link #maxFrameBytes()} before encoding.
     *
     * @param message the message to measure
     * @return the frame size in bytes, length field included
     */
    public static long frameSize(Message message) {
        if (message instanceof AppendRequest) {
            List<LogEntry> entries = ((AppendRequest) message).entries();
            long size = HEADER_BYTES + APPEND_REQUEST_FIXED_BODY;
            for (int i = 0; i < entries.size(); i++) {
                size += ENTRY_FIXED_BYTES + entries.get(i).payload().length;
            }
            return size;
        }
        if (message instanceof InstallSnapshot) {
            InstallSnapshot m = (InstallSnapshot) message;
            Membership configuration = configurationBlock(m.snapshot());
            return installSnapshotFrameBytes(m.snapshot().members().size(), m.data().length)
                    + (configuration == null ? 0 : CONFIGURATION_LENGTH_BYTES
                    + MembershipCodec.encodedSize(configuration));
        }
        if (message instanceof TimeoutNow) {
            return HEADER_BYTES + TIMEOUT_NOW_BODY;
        }
        if (message instanceof InstallSnapshotResponse) {
            return HEADER_BYTES + INSTALL_SNAPSHOT_RESPONSE_BODY;
        }
        if (message instanceof AppendResponse) {
            return HEADER_BYTES + APPEND_RESPONSE_BODY;
        }
        if (message instanceof VoteRequest) {
            return HEADER_BYTES + VOTE_REQUEST_BODY;
        }
        if (message instanceof VoteResponse) {
            return HEADER_BYTES + VOTE_RESPONSE_BODY;
        }
        if (message instanceof ReadIndexRequest) {
            return HEADER_BYTES + READ_INDEX_REQUEST_BODY;
        }
        if (message instanceof ReadIndexResponse) {
            return HEADER_BYTES + READ_INDEX_RESPONSE_BODY;
        }
        throw new IllegalArgumentException("unknown message type " + message.getClass().getName());
    }

    /**
     * The size in bytes, length field included, of the {@link InstallSnapshot} frame of a snapshot with
     * {@code members} members carrying {@code chunkBytes} bytes: what {@code maxFrameBytes} must admit for a given
     * {@code RaftConfig.snapshotChunkBytes}. A snapshot whose configuration has endpoints, learners or a joint state
     * adds its configuration block ({@link MembershipCodec#encodedSize} plus 4 bytes), typically a few hundred bytes.
     *
     * @param members how many members the snapshot's configuration lists
     * @param chunkBytes the chunk's payload size in bytes
     * @return the frame size in bytes, length field included
     */
    public static long installSnapshotFrameBytes(int members, int chunkBytes) {
        return HEADER_BYTES + INSTALL_SNAPSHOT_FIXED_BODY + (long) MEMBER_BYTES * members + CHUNK_LENGTH_BYTES
                + chunkBytes;
    }

    /**
     * The configuration an InstallSnapshot frame carries in its block, or null when the voter ids say it all (a
     * simple configuration of voters without endpoints), so that frames of a static cluster stay as small as before.
     */
    private static Membership configurationBlock(SnapshotInfo snapshot) {
        Membership m = snapshot.membership();
        return m.equals(Membership.ofVoters(m.allVoterIds())) ? null : m;
    }

    /**
     * Why {@code message} cannot be encoded by a codec with {@code maxFrameBytes}, or null if it can: its frame is too
     * large, or it lists more than {@link #MAX_SNAPSHOT_MEMBERS} members (a receiver would refuse it).
     */
    static String unencodable(Message message, long frameSize, int maxFrameBytes) {
        if (frameSize > maxFrameBytes) {
            return "its frame of " + frameSize + " bytes exceeds maxFrameBytes " + maxFrameBytes;
        }
        if (message instanceof InstallSnapshot) {
            int members = ((InstallSnapshot) message).snapshot().members().size();
            if (members > MAX_SNAPSHOT_MEMBERS) {
                return "its snapshot lists " + members + " members, at most " + MAX_SNAPSHOT_MEMBERS
                        + " fit the wire format";
            }
        }
        return null;
    }

    /**
     * Writes {@code message}'s frame at {@code dst}'s position and advances it past the frame.
     *
     * @param message the message to encode
     * @param dst the buffer to write into, with at least {@link #frameSize} bytes remaining
     * @throws IllegalArgumentException if the frame exceeds {@link #maxFrameBytes()} or {@code dst}'s remaining space,
     *                                  or the message has a value the wire format cannot carry (see
     *                                  {@link #MAX_SNAPSHOT_MEMBERS})
     */
    public void encode(Message message, ByteBuffer dst) {
        long size = frameSize(message);
        String refusal = unencodable(message, size, maxFrameBytes);
        if (refusal != null) {
            throw new IllegalArgumentException("cannot encode " + describe(message) + ": " + refusal);
        }
        if (size > dst.remaining()) {
            throw new IllegalArgumentException("frame of " + size + " bytes does not fit the " + dst.remaining()
                    + " bytes left in the buffer");
        }
        int start = beginFrame(dst, (int) size);
        writeBody(message, dst);
        finishFrame(dst, start);
    }

    /**
     * Decodes the frame starting at {@code src}'s position, which must hold the whole frame, and advances the
     * position past it. Bytes after the frame are left alone.
     *
     * @param src the buffer holding the frame from its position on
     * @return the decoded message
     * @throws FrameDecodeException if the bytes are not exactly one valid message frame
     */
    public Message decode(ByteBuffer src) throws FrameDecodeException {
        int limit = src.limit();
        int type = openFrame(src, maxFrameBytes);
        try {
            Message message = readBody(type, src);
            checkFullyRead(src, type);
            return message;
        } catch (IllegalArgumentException | BufferUnderflowException | IndexOutOfBoundsException e) {
            // The core records validate their fields; their verdict on hostile values becomes a decode error.
            throw new FrameDecodeException("invalid " + typeName(type) + " frame: " + e.getMessage(), e);
        } finally {
            src.limit(limit);
        }
    }

    /**
     * Reads and checks the length field at {@code src}'s position without moving it, and returns the whole frame's
     * size including that field. Requires at least {@link #LENGTH_BYTES} remaining.
     */
    static int frameSizeAt(ByteBuffer src, int maxFrameBytes) throws FrameDecodeException {
        int length = src.getInt(src.position());
        if (length < MIN_LENGTH_FIELD || length > maxFrameBytes - LENGTH_BYTES) {
            // A TLS record starts with content type 22 (handshake) and major version 3.
            String tls = (length >>> 16) == 0x1603 ? " (these bytes start a TLS handshake: is the peer configured "
                    + "for TLS while this node is not?)" : "";
            throw new FrameDecodeException("frame length field " + length + " outside [" + MIN_LENGTH_FIELD + ", "
                    + (maxFrameBytes - LENGTH_BYTES) + "]" + tls);
        }
        return length + LENGTH_BYTES;
    }

    /** Writes a handshake frame at {@code dst}'s position. */
    void encodeHello(Hello hello, ByteBuffer dst) {
        byte[] cluster = hello.clusterId().getBytes(StandardCharsets.UTF_8);
        int size = HEADER_BYTES + 4 + 8 + 1 + cluster.length;
        int start = dst.position();
        dst.putInt(size - LENGTH_BYTES).putInt(0).put((byte) VERSION).put((byte) TYPE_HELLO);
        dst.putInt(HELLO_MAGIC).putLong(hello.nodeId()).put((byte) cluster.length).put(cluster);
        finishFrame(dst, start);
    }

    /** Decodes a handshake frame, which is at most {@link #MAX_HELLO_FRAME_BYTES} long. */
    Hello decodeHello(ByteBuffer src) throws FrameDecodeException {
        int limit = src.limit();
        int type = openFrame(src, MAX_HELLO_FRAME_BYTES);
        try {
            if (type != TYPE_HELLO) {
                throw new FrameDecodeException("expected a handshake frame, got " + typeName(type));
            }
            need(src, 13, type);
            int magic = src.getInt();
            if (magic != HELLO_MAGIC) {
                throw new FrameDecodeException("bad handshake magic 0x" + Integer.toHexString(magic));
            }
            long nodeId = src.getLong();
            int clusterBytes = src.get() & 0xFF;
            need(src, clusterBytes, type);
            ByteBuffer cluster = src.slice();
            cluster.limit(clusterBytes);
            src.position(src.position() + clusterBytes);
            checkFullyRead(src, type);
            String clusterId;
            try {
                clusterId = StandardCharsets.UTF_8.newDecoder().decode(cluster).toString();
            } catch (CharacterCodingException e) {
                throw new FrameDecodeException("handshake cluster id is not valid UTF-8", e);
            }
            return new Hello(clusterId, nodeId);
        } catch (IllegalArgumentException e) {
            throw new FrameDecodeException("invalid handshake: " + e.getMessage(), e);
        } finally {
            src.limit(limit);
        }
    }

    /**
     * Checks the length, checksum and version of the frame at {@code src}'s position, limits {@code src} to the
     * frame, positions it at the body and returns the type code.
     */
    private int openFrame(ByteBuffer src, int maxBytes) throws FrameDecodeException {
        if (src.remaining() < LENGTH_BYTES) {
            throw new FrameDecodeException("truncated frame: " + src.remaining() + " bytes, no room for a length");
        }
        int size = frameSizeAt(src, maxBytes);
        if (src.remaining() < size) {
            throw new FrameDecodeException("truncated frame: length says " + size + " bytes, " + src.remaining()
                    + " present");
        }
        int start = src.position();
        int end = start + size;
        int expectedCrc = src.getInt(start + LENGTH_BYTES);
        src.limit(end);
        src.position(start + 8);
        crc.reset();
        crc.update(src);
        if ((int) crc.getValue() != expectedCrc) {
            throw new FrameDecodeException("frame checksum mismatch: header says 0x" + Integer.toHexString(expectedCrc)
                    + ", content gives 0x" + Integer.toHexString((int) crc.getValue()));
        }
        src.position(start + 8);
        int version = src.get() & 0xFF;
        if (version != VERSION) {
            throw new FrameDecodeException("unsupported frame format version " + version + ", this node speaks "
                    + VERSION + (version < VERSION ? " (the peer runs an older sansraft: upgrade every node, see "
                    + "WIRE.md)" : ""));
        }
        return src.get() & 0xFF;
    }

    private static Message readBody(int type, ByteBuffer src) throws FrameDecodeException {
        switch (type) {
            case TYPE_VOTE_REQUEST: {
                need(src, VOTE_REQUEST_BODY, type);
                long from = src.getLong();
                long to = src.getLong();
                long term = src.getLong();
                long lastLogIndex = src.getLong();
                long lastLogTerm = src.getLong();
                int flags = flags(src, FLAG_A | FLAG_B, type);
                return new VoteRequest(from, to, term, lastLogIndex, lastLogTerm, (flags & FLAG_A) != 0,
                        (flags & FLAG_B) != 0);
            }
            case TYPE_VOTE_RESPONSE: {
                need(src, VOTE_RESPONSE_BODY, type);
                long from = src.getLong();
                long to = src.getLong();
                long term = src.getLong();
                int flags = flags(src, FLAG_A | FLAG_B, type);
                return new VoteResponse(from, to, term, (flags & FLAG_A) != 0, (flags & FLAG_B) != 0);
            }
            case TYPE_APPEND_REQUEST:
                return readAppendRequest(src);
            case TYPE_APPEND_RESPONSE: {
                need(src, APPEND_RESPONSE_BODY, type);
                long from = src.getLong();
                long to = src.getLong();
                long term = src.getLong();
                int flags = flags(src, FLAG_A, type);
                return new AppendResponse(from, to, term, flags == FLAG_A, src.getLong(), src.getLong(),
                        src.getLong(), src.getLong(), src.getLong());
            }
            case TYPE_READ_INDEX_REQUEST:
                need(src, READ_INDEX_REQUEST_BODY, type);
                return new ReadIndexRequest(src.getLong(), src.getLong(), src.getLong(), src.getLong());
            case TYPE_READ_INDEX_RESPONSE: {
                need(src, READ_INDEX_RESPONSE_BODY, type);
                long from = src.getLong();
                long to = src.getLong();
                long term = src.getLong();
                long readId = src.getLong();
                long readIndex = src.getLong();
                int flags = flags(src, FLAG_A, type);
                return new ReadIndexResponse(from, to, term, readId, readIndex, flags == FLAG_A);
            }
            case TYPE_INSTALL_SNAPSHOT:
                return readInstallSnapshot(src);
            case TYPE_INSTALL_SNAPSHOT_RESPONSE: {
                need(src, INSTALL_SNAPSHOT_RESPONSE_BODY, type);
                long from = src.getLong();
                long to = src.getLong();
                long term = src.getLong();
                long snapshotIndex = src.getLong();
                long nextOffset = src.getLong();
                int flags = flags(src, FLAG_A | FLAG_B, type);
                return new InstallSnapshotResponse(from, to, term, snapshotIndex, nextOffset, (flags & FLAG_A) != 0,
                        (flags & FLAG_B) != 0);
            }
            case TYPE_TIMEOUT_NOW:
                need(src, TIMEOUT_NOW_BODY, type);
                return new TimeoutNow(src.getLong(), src.getLong(), src.getLong());
            default:
                throw new FrameDecodeException("unknown message type " + typeName(type));
        }
    }

    private static AppendRequest readAppendRequest(ByteBuffer src) throws FrameDecodeException {
        need(src, APPEND_REQUEST_FIXED_BODY, TYPE_APPEND_REQUEST);
        long from = src.getLong();
        long to = src.getLong();
        long term = src.getLong();
        long prevLogIndex = src.getLong();
        long prevLogTerm = src.getLong();
        long leaderCommit = src.getLong();
        long round = src.getLong();
        boolean roundAwaited = flags(src, FLAG_A, TYPE_APPEND_REQUEST) == FLAG_A;
        int count = src.getInt();
        // Checked against the bytes present before the array is sized: a hostile count cannot allocate.
        if (count < 0 || count > src.remaining() / ENTRY_FIXED_BYTES) {
            throw new FrameDecodeException("append request claims " + count + " entries but only " + src.remaining()
                    + " bytes remain");
        }
        LogEntry[] entries = new LogEntry[count];
        for (int i = 0; i < count; i++) {
            need(src, ENTRY_FIXED_BYTES, TYPE_APPEND_REQUEST);
            long entryTerm = src.getLong();
            int kindCode = src.get() & 0xFF;
            int payloadLength = src.getInt();
            if (payloadLength < 0 || payloadLength > src.remaining()) {
                throw new FrameDecodeException("entry " + i + " claims a payload of " + payloadLength
                        + " bytes but only " + src.remaining() + " remain");
            }
            byte[] payload = new byte[payloadLength];
            src.get(payload);
            // The index is implied (Raft §5.3: entries follow prevLogIndex contiguously); overflow past
            // Long.MAX_VALUE yields a non-positive index that LogEntry rejects.
            entries[i] = new LogEntry(prevLogIndex + 1 + i, entryTerm, EntryKind.fromCode(kindCode), payload);
        }
        return new AppendRequest(from, to, term, prevLogIndex, prevLogTerm, List.of(entries), leaderCommit, round,
                roundAwaited);
    }

    /**
     * Decodes a snapshot chunk. Every count and length is checked against the bytes left in the frame before anything
     * is sized from it, and the chunk is copied once, straight from the frame into an array of its exact length.
     */
    private static InstallSnapshot readInstallSnapshot(ByteBuffer src) throws FrameDecodeException {
        need(src, INSTALL_SNAPSHOT_FIXED_BODY, TYPE_INSTALL_SNAPSHOT);
        long from = src.getLong();
        long to = src.getLong();
        long term = src.getLong();
        long index = src.getLong();
        long snapshotTerm = src.getLong();
        long sizeBytes = src.getLong();
        long checksum = Integer.toUnsignedLong(src.getInt());
        long offset = src.getLong();
        int memberCount = src.getInt();
        if (memberCount < 1 || memberCount > MAX_SNAPSHOT_MEMBERS
                || memberCount > (src.remaining() - CHUNK_LENGTH_BYTES) / MEMBER_BYTES) {
            throw new FrameDecodeException("install snapshot claims " + memberCount + " members (1 to "
                    + MAX_SNAPSHOT_MEMBERS + " allowed) with " + src.remaining() + " bytes left in the frame");
        }
        Long[] members = new Long[memberCount];
        for (int i = 0; i < memberCount; i++) {
            members[i] = src.getLong();
        }
        need(src, CHUNK_LENGTH_BYTES, TYPE_INSTALL_SNAPSHOT);
        int length = src.getInt();
        if (length < 0 || length > src.remaining()) {
            throw new FrameDecodeException("install snapshot chunk claims " + length + " bytes but only "
                    + src.remaining() + " remain in the frame");
        }
        // Checked here because offset + length can overflow a long, which the record's own range check would miss.
        if (offset < 0 || sizeBytes < 0 || offset > sizeBytes - length) {
            throw new FrameDecodeException("install snapshot chunk [" + offset + ", +" + length
                    + ") lies outside the snapshot's " + sizeBytes + " bytes");
        }
        byte[] data = new byte[length];
        src.get(data);
        SnapshotInfo snapshot = new SnapshotInfo(index, snapshotTerm, Arrays.asList(members), sizeBytes, checksum);
        if (src.hasRemaining()) {
            snapshot = new SnapshotInfo(index, snapshotTerm, readConfiguration(src, snapshot.members()), sizeBytes,
                    checksum);
        }
        return new InstallSnapshot(from, to, term, snapshot, offset, data);
    }

    /**
     * The optional configuration block after a chunk: its length, then a {@link MembershipCodec} encoding that fills
     * the rest of the frame and whose voters are exactly the frame's member list.
     */
    private static Membership readConfiguration(ByteBuffer src, List<Long> voters) throws FrameDecodeException {
        if (src.remaining() < CONFIGURATION_LENGTH_BYTES) {
            throw new FrameDecodeException(src.remaining() + " trailing bytes after the snapshot chunk are too few "
                    + "for a configuration block");
        }
        int length = src.getInt();
        if (length != src.remaining()) {
            throw new FrameDecodeException("snapshot configuration block claims " + length + " bytes but "
                    + src.remaining() + " remain in the frame (trailing bytes or truncation)");
        }
        ByteBuffer block = src.slice();
        src.position(src.limit());
        Membership m = MembershipCodec.decode(block);
        if (block.hasRemaining() || !m.allVoterIds().equals(voters.stream().sorted().toList())) {
            throw new FrameDecodeException("snapshot configuration block " + m + " does not match the member list "
                    + voters);
        }
        return m;
    }

    private static void writeBody(Message message, ByteBuffer dst) {
        if (message instanceof AppendRequest) {
            AppendRequest m = (AppendRequest) message;
            routing(dst, TYPE_APPEND_REQUEST, m);
            dst.putLong(m.prevLogIndex()).putLong(m.prevLogTerm()).putLong(m.leaderCommit()).putLong(m.round())
                    .put(flag(m.roundAwaited(), FLAG_A));
            List<LogEntry> entries = m.entries();
            dst.putInt(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                LogEntry e = entries.get(i);
                dst.putLong(e.term()).put(e.kind().code()).putInt(e.payload().length).put(e.payload());
            }
        } else if (message instanceof InstallSnapshot) {
            InstallSnapshot m = (InstallSnapshot) message;
            writeChunkHead(m, dst);
            dst.put(m.data());
            writeChunkTail(m, dst);
        } else if (message instanceof TimeoutNow) {
            routing(dst, TYPE_TIMEOUT_NOW, message);
        } else if (message instanceof InstallSnapshotResponse) {
            InstallSnapshotResponse m = (InstallSnapshotResponse) message;
            routing(dst, TYPE_INSTALL_SNAPSHOT_RESPONSE, m);
            dst.putLong(m.snapshotIndex()).putLong(m.nextOffset())
                    .put((byte) (flag(m.accepted(), FLAG_A) | flag(m.installed(), FLAG_B)));
        } else if (message instanceof AppendResponse) {
            AppendResponse m = (AppendResponse) message;
            routing(dst, TYPE_APPEND_RESPONSE, m);
            dst.put(flag(m.success(), FLAG_A)).putLong(m.matchIndex()).putLong(m.rejectedIndex())
                    .putLong(m.conflictIndex()).putLong(m.conflictTerm()).putLong(m.round());
        } else if (message instanceof VoteRequest) {
            VoteRequest m = (VoteRequest) message;
            routing(dst, TYPE_VOTE_REQUEST, m);
            dst.putLong(m.lastLogIndex()).putLong(m.lastLogTerm())
                    .put((byte) (flag(m.preVote(), FLAG_A) | flag(m.leadershipTransfer(), FLAG_B)));
        } else if (message instanceof VoteResponse) {
            VoteResponse m = (VoteResponse) message;
            routing(dst, TYPE_VOTE_RESPONSE, m);
            dst.put((byte) (flag(m.voteGranted(), FLAG_A) | flag(m.preVote(), FLAG_B)));
        } else if (message instanceof ReadIndexRequest) {
            ReadIndexRequest m = (ReadIndexRequest) message;
            routing(dst, TYPE_READ_INDEX_REQUEST, m);
            dst.putLong(m.readId());
        } else if (message instanceof ReadIndexResponse) {
            ReadIndexResponse m = (ReadIndexResponse) message;
            routing(dst, TYPE_READ_INDEX_RESPONSE, m);
            dst.putLong(m.readId()).putLong(m.readIndex()).put(flag(m.success(), FLAG_A));
        } else {
            throw new IllegalArgumentException("unknown message type " + message.getClass().getName());
        }
    }

    /** An InstallSnapshot's body up to and including the chunk's length field. */
    private static void writeChunkHead(InstallSnapshot m, ByteBuffer dst) {
        SnapshotInfo snapshot = m.snapshot();
        routing(dst, TYPE_INSTALL_SNAPSHOT, m);
        dst.putLong(snapshot.index()).putLong(snapshot.term()).putLong(snapshot.sizeBytes())
                .putInt((int) snapshot.checksum()).putLong(m.offset());
        List<Long> members = snapshot.members();
        dst.putInt(members.size());
        for (int i = 0; i < members.size(); i++) {
            dst.putLong(members.get(i));
        }
        dst.putInt(m.data().length);
    }

    /** An InstallSnapshot's body after the chunk: the configuration block, if it has one. */
    private static void writeChunkTail(InstallSnapshot m, ByteBuffer dst) {
        Membership configuration = configurationBlock(m.snapshot());
        if (configuration != null) {
            dst.putInt(MembershipCodec.encodedSize(configuration));
            MembershipCodec.encode(configuration, dst);
        }
    }

    /**
     * Encodes {@code chunk}'s frame without copying its data: the bytes before the data go into {@code head} at its
     * position, the bytes after it into the returned buffer (empty unless the snapshot carries a configuration
     * block), and the checksum in {@code head} covers all three as if they were one frame. Sending {@code head}'s
     * new bytes, then {@code chunk.data()}, then the returned buffer sends exactly the frame {@link #encode} writes.
     *
     * <p>For a TLS link, where the engine copies its input into the record buffer anyway: encoding the data into a
     * frame buffer first would be a second full copy of every snapshot chunk.
     *
     * @param chunk the message to encode
     * @param head  the buffer for the frame's first bytes, with at least {@link #frameSize} minus the data's length
     *              bytes remaining
     * @return the frame's bytes after the data, ready to read
     * @throws IllegalArgumentException as {@link #encode} does, or if {@code head} has too little room
     */
    ByteBuffer encodeAroundChunk(InstallSnapshot chunk, ByteBuffer head) {
        long size = frameSize(chunk);
        String refusal = unencodable(chunk, size, maxFrameBytes);
        if (refusal != null) {
            throw new IllegalArgumentException("cannot encode " + describe(chunk) + ": " + refusal);
        }
        int tailBytes = (int) (size - chunkHeadBytes(chunk) - chunk.data().length);
        if (chunkHeadBytes(chunk) > head.remaining()) {
            throw new IllegalArgumentException("the " + chunkHeadBytes(chunk) + " bytes before the chunk do not fit"
                    + " the " + head.remaining() + " bytes left in the buffer");
        }
        int start = beginFrame(head, (int) size);
        writeChunkHead(chunk, head);
        ByteBuffer tail = ByteBuffer.allocate(tailBytes);
        writeChunkTail(chunk, tail);
        tail.flip();
        int end = head.position();
        crc.reset();
        crc.update(head.duplicate().position(start + 8).limit(end));
        crc.update(chunk.data());
        crc.update(tail.duplicate());
        head.putInt(start + LENGTH_BYTES, (int) crc.getValue());
        return tail;
    }

    /** The bytes of {@code chunk}'s frame before its data: header, fixed body, members and the data's length. */
    static int chunkHeadBytes(InstallSnapshot chunk) {
        return HEADER_BYTES + INSTALL_SNAPSHOT_FIXED_BODY + MEMBER_BYTES * chunk.snapshot().members().size()
                + CHUNK_LENGTH_BYTES;
    }

    private static void routing(ByteBuffer dst, int type, Message m) {
        dst.put((byte) type).putLong(m.from()).putLong(m.to()).putLong(m.term());
    }

    /** Writes the length, a checksum placeholder and the version; the type follows with the body. */
    private static int beginFrame(ByteBuffer dst, int size) {
        int start = dst.position();
        dst.putInt(size - LENGTH_BYTES).putInt(0).put((byte) VERSION);
        return start;
    }

    private void finishFrame(ByteBuffer dst, int start) {
        int end = dst.position();
        int limit = dst.limit();
        dst.limit(end).position(start + 8);
        crc.reset();
        crc.update(dst);
        dst.limit(limit).position(end);
        dst.putInt(start + LENGTH_BYTES, (int) crc.getValue());
    }

    private static byte flag(boolean value, int bit) {
        return (byte) (value ? bit : 0);
    }

    private static int flags(ByteBuffer src, int allowed, int type) throws FrameDecodeException {
        int flags = src.get() & 0xFF;
        if ((flags & ~allowed) != 0) {
            throw new FrameDecodeException("unknown flag bits 0x" + Integer.toHexString(flags) + " in "
                    + typeName(type));
        }
        return flags;
    }

    private static void need(ByteBuffer src, int bytes, int type) throws FrameDecodeException {
        if (src.remaining() < bytes) {
            throw new FrameDecodeException(typeName(type) + " frame truncated: needs " + bytes + " more bytes, "
                    + src.remaining() + " left");
        }
    }

    private static void checkFullyRead(ByteBuffer src, int type) throws FrameDecodeException {
        if (src.hasRemaining()) {
            throw new FrameDecodeException(src.remaining() + " unexpected trailing bytes in " + typeName(type)
                    + " frame");
        }
    }

    static String typeName(int type) {
        switch (type) {
            case TYPE_VOTE_REQUEST: return "VoteRequest";
            case TYPE_VOTE_RESPONSE: return "VoteResponse";
            case TYPE_APPEND_REQUEST: return "AppendRequest";
            case TYPE_APPEND_RESPONSE: return "AppendResponse";
            case TYPE_READ_INDEX_REQUEST: return "ReadIndexRequest";
            case TYPE_READ_INDEX_RESPONSE: return "ReadIndexResponse";
            case TYPE_INSTALL_SNAPSHOT: return "InstallSnapshot";
            case TYPE_INSTALL_SNAPSHOT_RESPONSE: return "InstallSnapshotResponse";
            case TYPE_TIMEOUT_NOW: return "TimeoutNow";
            case TYPE_HELLO: return "Hello";
            default: return "type " + type;
        }
    }

    /** A short description for log lines that never prints payloads. */
    static String describe(Message m) {
        String routing = "[from=" + m.from() + " to=" + m.to() + " term=" + m.term();
        if (m instanceof InstallSnapshot) {
            InstallSnapshot chunk = (InstallSnapshot) m;
            return "InstallSnapshot" + routing + " snapshotIndex=" + chunk.snapshot().index() + " offset="
                    + chunk.offset() + " length=" + chunk.data().length + "]";
        }
        return m.getClass().getSimpleName() + routing + "]";
    }
}
