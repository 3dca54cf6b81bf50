package dev.sansraft.core;

import java.util.Arrays;

/**
 * One entry of the replicated log.
 *
 * <p>Immutable by contract: the {@code payload} array is owned by the entry once it is constructed, and nobody may
 * mutate it afterwards (copying it on every hop would cost an allocation per entry on the hot path). {@code equals}
 * and {@code hashCode} compare the payload's content. Thread-safe because it is never mutated.
 *
 * @param index   position in the log, starting at 1
 * @param term    the leader term in which the entry was created, at least 1
 * @param kind    what the payload means
 * @param payload the command bytes; empty for {@link EntryKind#NOOP}
 */
public record LogEntry(long index, long term, EntryKind kind, byte[] payload) {

    private static final byte[] EMPTY = new byte[0];

    /** Per-entry overhead counted by byte limits, so that empty entries still have a cost. */
    public static final int OVERHEAD_BYTES = 24;

    /**
     * Checks the position, the kind and the payload.
     *
     * @param index position in the log, starting at 1
     * @param term the leader term in which the entry was created, at least 1
     * @param kind what the payload means
     * @param payload the command bytes; empty for {@link EntryKind#NOOP}
     * @throws IllegalArgumentException naming the component that is invalid
     */
    public LogEntry {
        if (index < 1) {
            throw new IllegalArgumentException("log index must be >= 1, got " + index);
        }
        if (term < 1) {
            throw new IllegalArgumentException("log term must be >= 1, got " + term + " at index " + index);
        }
        if (kind == null) {
            throw new IllegalArgumentException("entry kind is null at index " + index);
        }
        if (payload == null) {
            payload = EMPTY;
        }
    }

    /**
     * A NOOP entry.
     *
     * @param index the entry's index, at least 1
     * @param term the entry's term, at least 1
     * @return the entry
     */
    public static LogEntry noop(long index, long term) {
        return new LogEntry(index, term, EntryKind.NOOP, EMPTY);
    }

    /**
     * A NORMAL entry.
     *
     * @param index the entry's index, at least 1
     * @param term the entry's term, at least 1
     * @param payload the command; ownership passes to the entry
     * @return the entry
     */
    public static LogEntry normal(long index, long term, byte[] payload) {
        return new LogEntry(index, term, EntryKind.NORMAL, payload);
    }

    /**
     * A CONFIG entry carrying {@code membership} (see {@link MembershipCodec}).
     *
     * @param index the entry's index, at least 1
     * @param term the entry's term, at least 1
     * @param membership the configuration it carries
     * @return the entry
     */
    public static LogEntry config(long index, long term, Membership membership) {
        return new LogEntry(index, term, EntryKind.CONFIG, MembershipCodec.encode(membership));
    }

    /** {@return the size this entry counts for against message and memory byte limits} */
    public long sizeBytes() {
        return OVERHEAD_BYTES + (long) payload.length;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LogEntry)) {
            return false;
        }
        LogEntry other = (LogEntry) o;
        return index == other.index && term == other.term && kind == other.kind
                && Arrays.equals(payload, other.payload);
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(index);
        h = 31 * h + Long.hashCode(term);
        h = 31 * h + kind.hashCode();
        return 31 * h + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "LogEntry[" + index + "@" + term + " " + kind + " " + payload.length + "B]";
    }
}
