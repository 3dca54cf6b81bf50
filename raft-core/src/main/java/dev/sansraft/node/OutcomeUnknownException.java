package dev.sansraft.node;

/**
 * The one way a proposal fails when it <em>may or may not</em> have been applied. The leader accepted it into its log,
 * and then this node could not see it through:
 * <ul>
 *   <li>its {@code requestTimeout} passed before the entry was applied here (the cause is then a
 *   {@link java.util.concurrent.TimeoutException}): it may still commit later, on this or another leader;</li>
 *   <li>before applying its index, the node installed a snapshot from the leader that covers it (Raft §7), so the
 *   result was never computed here;</li>
 *   <li>the runtime lost track of it (a broken contract, logged as an error).</li>
 * </ul>
 * The caller should retry it idempotently, for example through a client session that deduplicates retries (as
 * {@code KvStore} does), or read the state to find out. Compare {@link ProposalDroppedException}: certainly not
 * applied.
 *
 * <p>Immutable; thread-safe.
 */
public final class OutcomeUnknownException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * A proposal whose outcome cannot be known.
     *
     * @param message why, naming the proposal's index or the timeout
     */
    public OutcomeUnknownException(String message) {
        super(message);
    }

    /**
     * A proposal whose outcome cannot be known, with the error behind it.
     *
     * @param message why, naming the proposal's index or the timeout
     * @param cause the error that hid the outcome
     */
    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
