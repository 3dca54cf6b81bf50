package dev.sansraft.node;

/**
 * The leader refused a membership change, or the change was lost. {@link #reason()} says why and
 * {@link #isRetryable()} whether the same change may succeed later unchanged.
 *
 * <p>Immutable; thread-safe.
 */
public final class MembershipChangeException extends RaftException {

    private static final long serialVersionUID = 1L;

    /** Why a membership change failed. */
    public enum Reason {
        /** The member named is not in the configuration. A caller mistake. */
        UNKNOWN_MEMBER(false),
        /**
         * The change does not apply to the configuration (a member already in that role, no voter left). A caller
         * mistake.
         */
        INVALID_CHANGE(false),
        /**
         * Another configuration change is not yet committed (or the leader has not committed an entry of its term
         * yet). Retry shortly.
         */
        CHANGE_IN_PROGRESS(true),
        /** The learner to promote is too far behind the leader's log; retry once it has caught up. */
        NOT_CAUGHT_UP(true);

        private final boolean retryable;

        Reason(boolean retryable) {
            this.retryable = retryable;
        }
    }

    /** Why the change failed. */
    private final Reason reason;

    /**
     * A failed membership change.
     *
     * @param reason why it failed
     * @param message what happened, naming the member or the change
     */
    public MembershipChangeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** {@return why the change failed} */
    public Reason reason() {
        return reason;
    }

    /** {@return whether the same change may succeed if tried again later} */
    public boolean isRetryable() {
        return reason.retryable;
    }
}
