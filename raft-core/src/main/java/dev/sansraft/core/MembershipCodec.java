package dev.sansraft.core;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a {@link Membership}: the payload of every {@link EntryKind#CONFIG} log entry, and the
 * membership block that snapshot formats (on disk and on the wire) embed. One format everywhere, owned here, so the
 * log, the transport and the snapshot store never disagree about it.
 *
 * <p>Layout, big-endian: a version byte (1), then the voters, the outgoing voters and the learners, each as a u16
 * count followed by that many members; a member is its id (i64) and its endpoint as a u16 length and UTF-8 bytes.
 * Stateless and thread-safe.
 */
public final class MembershipCodec {

    /** The format version this codec writes and reads. */
    public static final byte VERSION = 1;
    /** The most members one list may hold: far above any real cluster, low enough to bound a hostile input. */
    public static final int MAX_MEMBERS = 1024;

    private MembershipCodec() {
    }

    /**
     * The encoded form.
     *
     * @param m the membership to encode
     * @return a fresh array of {@link #encodedSize} bytes
     */
    public static byte[] encode(Membership m) {
        ByteBuffer buf = ByteBuffer.allocate(encodedSize(m));
        encode(m, buf);
        return buf.array();
    }

    /**
     * Writes the encoded form at {@code buf}'s position; it needs {@link #encodedSize} bytes.
     *
     * @param m the membership to encode
     * @param buf the buffer to write into
     */
    public static void encode(Membership m, ByteBuffer buf) {
        buf.put(VERSION);
        putList(buf, m.voters());
        putList(buf, m.outgoingVoters());
        putList(buf, m.learners());
    }

    /**
     * How many bytes {@link #encode} writes for {@code m}.
     *
     * @param m the membership to measure
     * @return the encoded size in bytes
     */
    public static int encodedSize(Membership m) {
        return 1 + listSize(m.voters()) + listSize(m.outgoingVoters()) + listSize(m.learners());
    }

    /**
     * Decodes a whole array written by {@link #encode(Membership)}.
     *
     * @param bytes exactly one encoded membership
     * @return the membership
     * @throws IllegalArgumentException naming the problem when the bytes are not a valid membership
     */
    public static Membership decode(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        Membership m = decode(buf);
        if (buf.hasRemaining()) {
            throw new IllegalArgumentException("membership encoding has " + buf.remaining() + " trailing bytes");
        }
        return m;
    }

    /**
     * Decodes one membership at {@code buf}'s position and advances past it.
     *
     * @param buf the buffer, positioned at an encoded membership
     * @return the membership
     * @throws IllegalArgumentException naming the problem when the bytes are not a valid membership
     */
    public static Membership decode(ByteBuffer buf) {
        try {
            byte version = buf.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown membership format version " + version + " (expected "
                        + VERSION + ")");
            }
            List<Membership.Member> voters = getList(buf, "voters");
            List<Membership.Member> outgoing = getList(buf, "outgoing voters");
            List<Membership.Member> learners = getList(buf, "learners");
            return new Membership(voters, outgoing, learners);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("membership encoding is truncated", e);
        }
    }

    private static void putList(ByteBuffer buf, List<Membership.Member> members) {
        buf.putShort((short) members.size());
        for (Membership.Member m : members) {
            byte[] endpoint = m.endpoint().getBytes(StandardCharsets.UTF_8);
            buf.putLong(m.id()).putShort((short) endpoint.length).put(endpoint);
        }
    }

    private static int listSize(List<Membership.Member> members) {
        if (members.size() > MAX_MEMBERS) {
            throw new IllegalArgumentException(members.size() + " members in one list, at most " + MAX_MEMBERS);
        }
        int size = 2;
        for (Membership.Member m : members) {
            int endpointBytes = m.endpoint().getBytes(StandardCharsets.UTF_8).length;
            if (endpointBytes > Membership.Member.MAX_ENDPOINT_BYTES) {
                throw new IllegalArgumentException("endpoint of member " + m.id() + " is " + endpointBytes
                        + " UTF-8 bytes, at most " + Membership.Member.MAX_ENDPOINT_BYTES);
            }
            size += 8 + 2 + endpointBytes;
        }
        return size;
    }

    private static List<Membership.Member> getList(ByteBuffer buf, String what) {
        int count = Short.toUnsignedInt(buf.getShort());
        if (count > MAX_MEMBERS) {
            throw new IllegalArgumentException("membership lists " + count + " " + what + ", at most " + MAX_MEMBERS);
        }
        List<Membership.Member> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long id = buf.getLong();
            int length = Short.toUnsignedInt(buf.getShort());
            if (length > Membership.Member.MAX_ENDPOINT_BYTES) {
                throw new IllegalArgumentException("endpoint of member " + id + " claims " + length + " bytes, at most "
                        + Membership.Member.MAX_ENDPOINT_BYTES);
            }
            byte[] endpoint = new byte[length];
            buf.get(endpoint);
            try {
                String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(endpoint)).toString();
                members.add(new Membership.Member(id, text));
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("endpoint of member " + id + " is not UTF-8", e);
            }
        }
        return members;
    }
}
