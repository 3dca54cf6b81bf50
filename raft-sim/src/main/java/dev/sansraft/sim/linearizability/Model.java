package dev.sansraft.sim.linearizability;

import java.util.List;

/**
 * The sequential specification an operation history is checked against.
 *
 * <p>Implementations must be pure and deterministic; states must have value semantics ({@code equals} and
 * {@code hashCode}), because the search memoizes (linearized set, state) pairs.
 *
 * @param <S> state
 * @param <I> operation input
 * @param <O> operation output
 */
public interface Model<S, I, O> {

    /** {@return the state before any operation} */
    S init();

    /**
     * Applies one operation to {@code state}.
     *
     * @param state the state before the operation
     * @param input the operation's request
     * @param output the output the operation returned, or null when it is indeterminate (any output is allowed)
     * @return the state afterwards, or null when the operation could not have returned {@code output} from
     *         {@code state}
     */
    S step(S state, I input, O output);

    /**
     * Splits a history into independent sub-histories that can be checked separately (for example, one per key).
     * The default keeps one partition.
     *
     * @param history the whole history
     * @return the sub-histories; together they hold every operation once
     */
    default List<List<Operation<I, O>>> partition(List<Operation<I, O>> history) {
        return List.of(history);
    }

    /**
     * Whether an operation never changes the state whatever its output; such operations may be removed from a
     * counterexample without making a linearizable history non-linearizable.
     *
     * @param input the operation's request
     * @param output its response, or null when indeterminate
     * @return true if the operation cannot change the state
     */
    default boolean isReadOnly(I input, O output) {
        return false;
    }

    /**
     * A short description of a partition, such as its key.
     *
     * @param partition one sub-history from {@link #partition}
     * @return the description
     */
    default String describePartition(List<Operation<I, O>> partition) {
        return "history";
    }
}
