package dev.sansraft.core;

/**
 * The state a node must make durable before it acts on it (Raft Figure 2, "persistent state on all servers"):
 * the current term and the vote cast in it. The log is persisted separately.
 *
 * <p>Immutable and thread-safe.
 *
 * @param term     the latest term the node has seen, {@code >= 0}
 * @param votedFor the candidate voted for in {@code term}, or {@link #NO_VOTE}
 */
public record HardState(long term, long votedFor) {

    /** The {@code votedFor} value meaning "no vote cast in this term". Node ids are always positive. */
    public static final long NO_VOTE = 0;

    /** The state of a node that has never run. */
    public static final HardState INITIAL = new HardState(0, NO_VOTE);

    /**
     * Checks that the term and the vote are not negative.
     *
     * @param term the latest term the node has seen, {@code >= 0}
     * @param votedFor the candidate voted for in {@code term}, or {@link #NO_VOTE}
     * @throws IllegalArgumentException if {@code term} or {@code votedFor} is negative
     */
    public HardState {
        if (term < 0) {
            throw new IllegalArgumentException("term must be >= 0, got " + term);
        }
        if (votedFor < 0) {
            throw new IllegalArgumentException("votedFor must be a node id or 0, got " + votedFor);
        }
    }
}
