package dev.sansraft.node;

/**
 * A leadership transfer did not hand leadership to its target. {@link #reason()} says why; {@link #leaderHint()}
 * names the leader known when it ended (0 if none). A transfer to a node that is not the leader never reports
 * {@link NotLeaderException} through this type: that one comes as itself.
 *
 * <p>Immutable; thread-safe.
 */
public final class LeadershipTransferException extends RaftException {

    private static final long serialVersionUID = 1L;

    /** Why a transfer failed. */
    public enum Reason {
        /** The target is not a voter of the configuration (a learner, or unknown). A caller mistake. */
        INVALID_TARGET(false),
        /** Another transfer is under way. Retry shortly. */
        IN_PROGRESS(true),
        /** The target did not take over within an election timeout; the old leader continues. Retry shortly. */
        TIMED_OUT(true),
        /** Another node than the target became leader meanwhile. */
        SUPERSEDED(true);

        private final boolean retryable;

        Reason(boolean retryable) {
            this.retryable = retryable;
        }
    }

    /** Why the transfer failed. */
    private final Reason reason;
    /** The leader known when the transfer ended, or 0. */
    private final long leaderHint;

    /**
     * A failed transfer.
     *
     * @param reason why it failed
     * @param leaderHint the leader known when it ended, or 0
     * @param message what happened, naming the target
     */
    public LeadershipTransferException(Reason reason, long leaderHint, String message) {
        super(message);
        this.reason = reason;
        this.leaderHint = leaderHint;
    }

    /** {@return why the transfer failed} */
    public Reason reason() {
        return reason;
    }

    /** {@return the leader known when the transfer ended, or 0 if none} */
    public long leaderHint() {
        return leaderHint;
    }

    /** {@return whether the same transfer may succeed if tried again later} */
    public boolean isRetryable() {
        return reason.retryable;
    }
}
