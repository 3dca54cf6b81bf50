package dev.sansraft.kv;

import java.nio.charset.StandardCharsets;

/**
 * The compact binary format of {@link KvCommand}s (log entry payloads and query requests) and {@link KvResult}s
 * (what {@code apply} and {@code query} return).
 *
 * <p>Command, version 1:
 * <pre>
 *   version  1 byte   = 1
 *   op       1 byte   1 put, 2 delete, 3 compare-and-set, 4 get
 *   flags    1 byte   bit 0: a session follows; bit 1: its client id is text; other bits must be 0
 *   [session]         clientId, sequence (varint), sequence - lowestUnacked (varint)
 *                     clientId: bit 1 clear: 8 bytes, big-endian, the value of a canonical decimal id
 *                               bit 1 set:   varint length (1..128), the id's ASCII bytes ('!'..'~')
 *   key               varint length, bytes
 *   put:              value: varint length, bytes
 *   cas:              expected: varint length, bytes; new value: varint length, bytes
 * </pre>
 * Result, version 1:
 * <pre>
 *   version  1 byte   = 1
 *   type     1 byte   1 put, 2 delete, 3 compare-and-set, 4 get, 5 failure
 *   index             varint
 *   delete:           existed (1 byte, 0 or 1)
 *   cas:              outcome (1 byte); for MISMATCH the current value: varint length, bytes
 *   get:              present (1 byte, 0 or 1); if present the value: varint length, bytes
 *   failure:          error code (1 byte), message: varint length, UTF-8 bytes
 * </pre>
 * Varints are unsigned LEB128, minimal length. Lengths are checked against {@link KvLimits} before anything is
 * allocated, and trailing bytes are an error, so every byte string has at most one meaning.
 *
 * <p>Decoding untrusted bytes throws {@link KvCodecException} and no other exception. Encoding a command whose key or
 * value is over the limits throws {@link IllegalArgumentException}. Thread-safe: stateless apart from its limits.
 */
public final class KvCommandCodec {

    /** The format version this codec writes and the only one it reads. */
    public static final int VERSION = 1;

    static final int OP_PUT = 1;
    static final int OP_DELETE = 2;
    static final int OP_CAS = 3;
    static final int OP_GET = 4;
    static final int RESULT_FAILURE = 5;
    private static final int FLAG_SESSION = 1;
    /**
     * The session's client id is text rather than 8 bytes. Set exactly when the id is not canonical decimal, so that
     * every command has one encoding, and numeric ids keep the encoding they had before text ids existed.
     */
    private static final int FLAG_TEXT_CLIENT_ID = 2;
    /** Failure messages are short, human-readable lines; this bounds what a decoder allocates for one. */
    static final int MAX_MESSAGE_BYTES = 1024;

    private final KvLimits limits;

    /**
     * A codec enforcing {@code limits}.
     *
     * @param limits the key and value limits; must equal the state machine's
     */
    public KvCommandCodec(KvLimits limits) {
        if (limits == null) {
            throw new IllegalArgumentException("limits is null");
        }
        this.limits = limits;
    }

    /** {@return a codec with {@link KvLimits#DEFAULT}} */
    public static KvCommandCodec withDefaultLimits() {
        return new KvCommandCodec(KvLimits.DEFAULT);
    }

    /** {@return the limits this codec enforces} */
    public KvLimits limits() {
        return limits;
    }

    // ---------------------------------------------------------------- commands

    /**
     * Encodes a command.
     *
     * @param command the command to encode
     * @return the encoded bytes, a fresh array
     * @throws IllegalArgumentException if a key or value is over the limits
     */
    public byte[] encode(KvCommand command) {
        byte[] key = command.key().array();
        limits.checkKey(key.length);
        SessionTag session = command.session();
        int size = 3 + ByteWriter.lengthPrefixedSize(key.length);
        boolean textId = session != null && !session.clientId().isCanonicalNumber();
        byte[] idText = textId ? session.clientId().bytes() : null;
        if (session != null) {
            size += (textId ? ByteWriter.lengthPrefixedSize(idText.length) : Long.BYTES) + ByteWriter.varlongSize(session.sequence())
                    + ByteWriter.varlongSize(session.sequence() - session.lowestUnacked());
        }
        int op;
        byte[] first = null;
        byte[] second = null;
        if (command instanceof KvCommand.Put) {
            op = OP_PUT;
            first = ((KvCommand.Put) command).value().array();
        } else if (command instanceof KvCommand.Delete) {
            op = OP_DELETE;
        } else if (command instanceof KvCommand.CompareAndSet) {
            op = OP_CAS;
            first = ((KvCommand.CompareAndSet) command).expected().array();
            second = ((KvCommand.CompareAndSet) command).newValue().array();
        } else {
            op = OP_GET;
        }
        if (first != null) {
            limits.checkValue(first.length);
            size += ByteWriter.lengthPrefixedSize(first.length);
        }
        if (second != null) {
            limits.checkValue(second.length);
            size += ByteWriter.lengthPrefixedSize(second.length);
        }
        ByteWriter w = new ByteWriter(size).writeByte(VERSION).writeByte(op)
                .writeByte(session == null ? 0 : textId ? FLAG_SESSION | FLAG_TEXT_CLIENT_ID : FLAG_SESSION);
        if (session != null) {
            if (textId) {
                w.writeLengthPrefixed(idText);
            } else {
                w.writeFixedLong(session.clientId().asNumber());
            }
            w.writeVarlong(session.sequence())
                    .writeVarlong(session.sequence() - session.lowestUnacked());
        }
        w.writeLengthPrefixed(key);
        if (first != null) {
            w.writeLengthPrefixed(first);
        }
        if (second != null) {
            w.writeLengthPrefixed(second);
        }
        return w.finish();
    }

    /**
     * Decodes a command from untrusted bytes.
     *
     * @param bytes the encoded command, from an untrusted source
     * @return the decoded command
     * @throws KvCodecException if the bytes are not exactly one valid command within the limits
     */
    public KvCommand decode(byte[] bytes) {
        if (bytes == null) {
            throw new KvCodecException("command bytes are null", 0);
        }
        ByteReader r = new ByteReader(bytes);
        readVersion(r, "command");
        int opOffset = r.position();
        int op = r.readUnsignedByte("op code");
        int flags = r.readUnsignedByte("flags");
        if ((flags & ~(FLAG_SESSION | FLAG_TEXT_CLIENT_ID)) != 0) {
            throw new KvCodecException("unknown flag bits 0x" + Integer.toHexString(flags), opOffset + 1);
        }
        if (flags == FLAG_TEXT_CLIENT_ID) {
            throw new KvCodecException("text client id flag without a session", opOffset + 1);
        }
        SessionTag session = (flags & FLAG_SESSION) != 0
                ? readSession(r, (flags & FLAG_TEXT_CLIENT_ID) != 0) : null;
        Bytes key = Bytes.wrap(r.readLengthPrefixed("key", limits.maxKeyBytes()));
        KvCommand command;
        switch (op) {
            case OP_PUT:
                command = new KvCommand.Put(session, key, readValue(r, "value"));
                break;
            case OP_DELETE:
                command = new KvCommand.Delete(session, key);
                break;
            case OP_CAS:
                Bytes expected = readValue(r, "expected value");
                command = new KvCommand.CompareAndSet(session, key, expected, readValue(r, "new value"));
                break;
            case OP_GET:
                command = new KvCommand.Get(session, key);
                break;
            default:
                throw new KvCodecException("unknown op code " + op, opOffset);
        }
        r.expectEnd("command");
        return command;
    }

    private Bytes readValue(ByteReader r, String what) {
        return Bytes.wrap(r.readLengthPrefixed(what, limits.maxValueBytes()));
    }

    private static SessionTag readSession(ByteReader r, boolean textId) {
        int start = r.position();
        ClientId clientId;
        if (textId) {
            clientId = ClientId.fromBytes(r.readLengthPrefixed("client id", ClientId.MAX_LENGTH));
            if (clientId == null || clientId.isCanonicalNumber()) {
                // A canonical number in text form would give one command two encodings.
                throw new KvCodecException("client id is not a valid non-numeric token", start + 1);
            }
        } else {
            clientId = ClientId.of(r.readFixedLong("client id"));
        }
        long sequence = r.readVarlong("sequence");
        long unackedDistance = r.readVarlong("unacked distance");
        if (sequence < 1) {
            throw new KvCodecException("session sequence must be >= 1, got " + Long.toUnsignedString(sequence),
                    start);
        }
        if (unackedDistance < 0 || unackedDistance >= sequence) {
            throw new KvCodecException("unacked distance " + Long.toUnsignedString(unackedDistance)
                    + " not below sequence " + sequence, start);
        }
        return new SessionTag(clientId, sequence, sequence - unackedDistance);
    }

    private static void readVersion(ByteReader r, String what) {
        int version = r.readUnsignedByte("version");
        if (version != VERSION) {
            throw new KvCodecException("unsupported " + what + " format version " + version + ", expected "
                    + VERSION, 0);
        }
    }

    // ---------------------------------------------------------------- results

    /**
     * Encodes a result. Values inside it are not checked against the limits: the state machine made them.
     *
     * @param result the result to encode
     * @return the encoded bytes, a fresh array
     */
    public byte[] encodeResult(KvResult result) {
        int size = 2 + ByteWriter.varlongSize(result.index());
        if (result instanceof PutResult) {
            return new ByteWriter(size).writeByte(VERSION).writeByte(OP_PUT).writeVarlong(result.index()).finish();
        }
        if (result instanceof DeleteResult) {
            return new ByteWriter(size + 1).writeByte(VERSION).writeByte(OP_DELETE).writeVarlong(result.index())
                    .writeByte(((DeleteResult) result).existed() ? 1 : 0).finish();
        }
        if (result instanceof CasResult) {
            CasResult cas = (CasResult) result;
            byte[] current = cas.current();
            size += 1 + (current == null ? 0 : ByteWriter.lengthPrefixedSize(current.length));
            ByteWriter w = new ByteWriter(size).writeByte(VERSION).writeByte(OP_CAS).writeVarlong(cas.index())
                    .writeByte(cas.outcome().code());
            if (current != null) {
                w.writeLengthPrefixed(current);
            }
            return w.finish();
        }
        if (result instanceof GetResult) {
            byte[] value = ((GetResult) result).value();
            size += 1 + (value == null ? 0 : ByteWriter.lengthPrefixedSize(value.length));
            ByteWriter w = new ByteWriter(size).writeByte(VERSION).writeByte(OP_GET).writeVarlong(result.index())
                    .writeByte(value == null ? 0 : 1);
            if (value != null) {
                w.writeLengthPrefixed(value);
            }
            return w.finish();
        }
        KvResult.Failure failure = (KvResult.Failure) result;
        byte[] message = truncateUtf8(failure.message());
        return new ByteWriter(size + 1 + ByteWriter.lengthPrefixedSize(message.length)).writeByte(VERSION)
                .writeByte(RESULT_FAILURE).writeVarlong(failure.index()).writeByte(failure.error().code())
                .writeLengthPrefixed(message).finish();
    }

    /**
     * Decodes a result.
     *
     * @param bytes the encoded result
     * @return the decoded result
     * @throws KvCodecException if the bytes are not exactly one valid result
     */
    public KvResult decodeResult(byte[] bytes) {
        if (bytes == null) {
            throw new KvCodecException("result bytes are null", 0);
        }
        ByteReader r = new ByteReader(bytes);
        readVersion(r, "result");
        int typeOffset = r.position();
        int type = r.readUnsignedByte("result type");
        long index = r.readVarlong("index");
        if (index < 0) {
            throw new KvCodecException("negative index " + index, typeOffset + 1);
        }
        KvResult result;
        switch (type) {
            case OP_PUT:
                result = new PutResult(index);
                break;
            case OP_DELETE:
                result = new DeleteResult(readBoolean(r, "existed"), index);
                break;
            case OP_CAS: {
                int outcomeOffset = r.position();
                CasResult.Outcome outcome = CasResult.Outcome.fromCode(r.readUnsignedByte("cas outcome"));
                if (outcome == null) {
                    throw new KvCodecException("unknown compare-and-set outcome", outcomeOffset);
                }
                byte[] current = outcome == CasResult.Outcome.MISMATCH
                        ? r.readLengthPrefixed("current value", limits.maxValueBytes()) : null;
                result = new CasResult(outcome, index, current);
                break;
            }
            case OP_GET:
                result = new GetResult(readBoolean(r, "present")
                        ? r.readLengthPrefixed("value", limits.maxValueBytes()) : null, index);
                break;
            case RESULT_FAILURE: {
                int codeOffset = r.position();
                KvError error = KvError.fromCode(r.readUnsignedByte("error code"));
                if (error == null) {
                    throw new KvCodecException("unknown error code", codeOffset);
                }
                byte[] message = r.readLengthPrefixed("message", MAX_MESSAGE_BYTES);
                result = new KvResult.Failure(error, new String(message, StandardCharsets.UTF_8), index);
                break;
            }
            default:
                throw new KvCodecException("unknown result type " + type, typeOffset);
        }
        r.expectEnd("result");
        return result;
    }

    private static boolean readBoolean(ByteReader r, String what) {
        int offset = r.position();
        int b = r.readUnsignedByte(what);
        if (b > 1) {
            throw new KvCodecException(what + " flag must be 0 or 1, got " + b, offset);
        }
        return b == 1;
    }

    private static byte[] truncateUtf8(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_MESSAGE_BYTES) {
            return bytes;
        }
        // Cut on a character boundary so the message stays valid UTF-8.
        int end = MAX_MESSAGE_BYTES;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return java.util.Arrays.copyOf(bytes, end);
    }
}
