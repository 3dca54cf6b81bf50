package dev.sansraft.node;

/**
 * An accepted proposal's outcome cannot be known on this node: before the node applied the proposal's index, it
 * installed a snapshot from the leader that covers that index (Raft §7). The command may or may not have taken effect
 * in the cluster, and its result was never computed here. The caller should retry it idempotently, for example
 * through a client session that deduplicates retries, or read the state to find out.
 *
 * <p>Immutable; thread-safe.
 */
public final class OutcomeUnknownException extends RaftException {

    private static final long serialVersionUID = 1L;

    public OutcomeUnknownException(String message) {
        super(message);
    }
}
