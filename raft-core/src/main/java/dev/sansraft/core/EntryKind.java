package dev.sansraft.core;

/**
 * What a {@link LogEntry} carries. Immutable; the {@link #code()} values are part of every wire and disk format and
 * never change meaning.
 */
public enum EntryKind {
    /** A client command for the state machine. */
    NORMAL((byte) 0),
    /** The empty entry a new leader appends in its term so that it can commit (Raft §5.4.2, §8). */
    NOOP((byte) 1),
    /** A configuration (Raft thesis ch. 4); the payload is a {@link MembershipCodec} encoding. */
    CONFIG((byte) 2);

    private final byte code;

    EntryKind(byte code) {
        this.code = code;
    }

    /** {@return the stable one-byte code used by codecs} */
    public byte code() {
        return code;
    }

    /**
     * Decodes a code written by {@link #code()}.
     *
     * @param code a code read from storage or the wire
     * @return the kind
     * @throws IllegalArgumentException if the code names no kind
     */
    public static EntryKind fromCode(int code) {
        switch (code) {
            case 0: return NORMAL;
            case 1: return NOOP;
            case 2: return CONFIG;
            default: throw new IllegalArgumentException("unknown entry kind code " + code);
        }
    }
}
