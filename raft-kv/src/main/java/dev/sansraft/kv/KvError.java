package dev.sansraft.kv;

/**
 * Why the state machine refused a command or query. Immutable; the {@link #code()} values are part of the result
 * format and never change meaning.
 */
public enum KvError {
    /** The command bytes in the log could not be decoded (corrupt, from a newer version, or over the size limits). */
    MALFORMED_COMMAND((byte) 1),
    /** The session's sequence is below what the client has already acknowledged; the write was not applied. */
    STALE_SEQUENCE((byte) 2),
    /** The query bytes could not be decoded or named an operation that is not a read. */
    MALFORMED_QUERY((byte) 3),
    /**
     * Raised by {@link KvStore}, not the state machine: the saved response for this session sequence belongs to a
     * different kind of command, so the client reused a sequence number for another write.
     */
    SEQUENCE_REUSED((byte) 4);

    private final byte code;

    KvError(byte code) {
        this.code = code;
    }

    /** {@return the stable one-byte code} */
    public byte code() {
        return code;
    }

    /** The error for {@code code}, or null if none has it. */
    static KvError fromCode(int code) {
        for (KvError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return null;
    }
}
