package dev.sansraft.node;

import dev.sansraft.core.LogEntry;

/**
 * The user's replicated state machine.
 *
 * <p>{@link #apply} is called with every committed {@link dev.sansraft.core.EntryKind#NORMAL} entry, exactly once
 * per entry, in index order, from a single apply thread. It must be deterministic: the same entries in the same order
 * must produce the same state and results on every node. {@link #query} is called from the same apply thread, between
 * applies, so an implementation needs no locking of its own.
 */
public interface StateMachine {

    /**
     * Applies a committed command and returns the result handed to the proposer.
     *
     * @return the result bytes; never null (use an empty array)
     */
    byte[] apply(LogEntry entry);

    /**
     * Answers a read-only query against the current state. Used for linearizable reads once the read index has been
     * applied.
     *
     * @throws UnsupportedOperationException if this state machine serves no queries (the default)
     */
    default byte[] query(byte[] request) {
        throw new UnsupportedOperationException(getClass().getName() + " does not serve queries");
    }
}
