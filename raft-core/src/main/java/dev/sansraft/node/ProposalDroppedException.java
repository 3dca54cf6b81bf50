package dev.sansraft.node;

/**
 * An accepted proposal will certainly never be applied: another entry was committed at its index (a later leader
 * overwrote it, Raft §5.3), or an entry of a newer term was committed before it. The command had no effect anywhere,
 * so retrying it is safe even without a client session. Only what is committed decides this; a proposal whose fate
 * this node cannot tell fails with {@link OutcomeUnknownException} instead.
 *
 * <p>Immutable; thread-safe.
 */
public final class ProposalDroppedException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * A proposal that certainly was not applied.
     *
     * @param message why it was dropped
     */
    public ProposalDroppedException(String message) {
        super(message);
    }
}
