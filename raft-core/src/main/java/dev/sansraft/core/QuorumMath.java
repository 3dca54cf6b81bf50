package dev.sansraft.core;

import java.util.Arrays;

/** Majority arithmetic, kept apart from the protocol so it can be tested alone. Stateless. */
final class QuorumMath {

    private QuorumMath() {
    }

    /** The number of votes that make a majority of {@code voters}. */
    static int majority(int voters) {
        if (voters < 1) {
            throw new IllegalArgumentException("a quorum needs at least one voter, got " + voters);
        }
        return voters / 2 + 1;
    }

    /**
     * The highest value that a majority of {@code values} has reached: with the values sorted ascending, the one
     * that {@code majority} values are at or above. Used for the commit index (Raft §5.3: an entry replicated on a
     * majority) and for acknowledged read rounds. {@code scratch} must be as long as {@code values}; it avoids an
     * allocation per call on the hot path.
     */
    static long quorumValue(long[] values, long[] scratch) {
        if (scratch.length != values.length) {
            throw new IllegalArgumentException("scratch length " + scratch.length + " != values length "
                    + values.length);
        }
        System.arraycopy(values, 0, scratch, 0, values.length);
        Arrays.sort(scratch);
        return scratch[values.length - majority(values.length)];
    }
}
