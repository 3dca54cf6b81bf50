package dev.sansraft.kv;

/**
 * Bytes given to {@link KvCommandCodec} do not form a valid command or result. The message names what was wrong
 * and the byte offset where it was found. This is the only exception the codec's decode methods throw for bad input.
 * Thread-safe (immutable).
 */
public final class KvCodecException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Offset in the decoded array where the problem was found. */
    private final int offset;

    KvCodecException(String message, int offset) {
        super(message + " (at byte " + offset + ")");
        this.offset = offset;
    }

    /** {@return the offset in the decoded array where the problem was found} */
    public int offset() {
        return offset;
    }
}
