package dev.sansraft.sim.linearizability;

/**
 * The verdict of a {@link LinearizabilityChecker} run. Immutable and thread-safe.
 *
 * @param verdict        the answer
 * @param partitions     how many partitions were searched
 * @param operations     how many operations the history held
 * @param searchSteps    total search steps taken (a measure of the work done)
 * @param counterexample a short human-readable explanation when the verdict is {@link Verdict#NOT_LINEARIZABLE},
 *                       or the partition that ran out of budget when {@link Verdict#UNKNOWN}; empty otherwise
 */
public record CheckResult(Verdict verdict, int partitions, int operations, long searchSteps, String counterexample) {

    /** What the search concluded. */
    public enum Verdict {
        /** Every operation fits one sequential order consistent with real time. */
        LINEARIZABLE,
        /** No such order exists; {@code counterexample} shows why. */
        NOT_LINEARIZABLE,
        /** The search exceeded its step budget on some partition before reaching an answer. */
        UNKNOWN
    }

    /** {@return whether the verdict is {@link Verdict#LINEARIZABLE}} */
    public boolean isLinearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }
}
