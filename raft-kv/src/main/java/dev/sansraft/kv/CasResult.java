package dev.sansraft.kv;

import java.util.Arrays;

/**
 * The outcome of a compare-and-set. Immutable by contract: {@code current} is owned by this result and nobody may
 * mutate it; {@code equals} compares its content.
 *
 * @param outcome what happened
 * @param index   the log index of the compare-and-set
 * @param current the value found when it {@link Outcome#MISMATCH mismatched}; null otherwise
 */
public record CasResult(Outcome outcome, long index, byte[] current) implements KvResult {

    /** What a compare-and-set did. */
    public enum Outcome {
        /** The value equalled the expected one and was replaced. */
        SWAPPED((byte) 1),
        /** The value differed; nothing changed and {@link #current()} holds it. */
        MISMATCH((byte) 2),
        /** The key was absent; nothing changed. */
        ABSENT((byte) 3);

        private final byte code;

        Outcome(byte code) {
            this.code = code;
        }

        byte code() {
            return code;
        }

        static Outcome fromCode(int code) {
            for (Outcome o : values()) {
                if (o.code == code) {
                    return o;
                }
            }
            return null;
        }
    }

    /**
     * Checks that {@code current} is given exactly for a {@link Outcome#MISMATCH}.
     *
     * @param outcome what happened
     * @param index the log index of the compare-and-set
     * @param current the value found when it {@link Outcome#MISMATCH mismatched}; null otherwise
     * @throws IllegalArgumentException if {@code outcome} is null or {@code current} does not match it
     */
    public CasResult {
        if (outcome == null) {
            throw new IllegalArgumentException("outcome is null at index " + index);
        }
        if ((outcome == Outcome.MISMATCH) != (current != null)) {
            throw new IllegalArgumentException("current value must be given exactly for MISMATCH, got " + outcome
                    + " with current " + (current == null ? "null" : current.length + "B"));
        }
    }

    /** {@return whether the value was replaced} */
    public boolean swapped() {
        return outcome == Outcome.SWAPPED;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CasResult)) {
            return false;
        }
        CasResult other = (CasResult) o;
        return outcome == other.outcome && index == other.index && Arrays.equals(current, other.current);
    }

    @Override
    public int hashCode() {
        return (31 * outcome.hashCode() + Long.hashCode(index)) * 31 + Arrays.hashCode(current);
    }

    @Override
    public String toString() {
        return "CasResult[" + outcome + " @" + index + (current == null ? "" : " current " + current.length + "B")
                + "]";
    }
}
