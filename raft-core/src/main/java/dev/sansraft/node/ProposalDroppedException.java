package dev.sansraft.node;

/**
 * An accepted proposal will never be applied: a later leader overwrote its log entry (Raft §5.3), or the node lost
 * track of it. The command had no effect; the caller may retry it (with a client session to stay exactly-once).
 *
 * <p>Immutable; thread-safe.
 */
public final class ProposalDroppedException extends RaftException {

    private static final long serialVersionUID = 1L;

    public ProposalDroppedException(String message) {
        super(message);
    }
}
