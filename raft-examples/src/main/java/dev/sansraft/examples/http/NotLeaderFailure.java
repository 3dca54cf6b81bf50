package dev.sansraft.examples.http;

/**
 * A {@link KvBackend} failure: this node is not the leader. The API answers 307 to the leader's HTTP address when
 * the hint is known, 503 otherwise. Immutable.
 */
public final class NotLeaderFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The leader's node id, or 0 when unknown. */
    private final long leaderHint;

    /** @param leaderHint the leader's node id, or 0 when unknown */
    public NotLeaderFailure(long leaderHint) {
        super(leaderHint == 0 ? "no leader known" : "leader is node " + leaderHint, null, false, false);
        this.leaderHint = leaderHint;
    }

    /** {@return the leader's node id, or 0 when unknown} */
    public long leaderHint() {
        return leaderHint;
    }
}
