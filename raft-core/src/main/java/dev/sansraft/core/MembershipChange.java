package dev.sansraft.core;

/**
 * One step of a membership change, applied by the leader to its current configuration (see
 * {@link Membership#apply}). Several steps proposed together take effect together: through the joint state when
 * more than one voter is added or removed, in one step otherwise. Immutable and thread-safe.
 *
 * @param type     what to do
 * @param id       the member
 * @param endpoint the member's endpoint for an addition; null keeps the endpoint already known (a promotion or a
 *                 demotion)
 */
public record MembershipChange(Type type, long id, String endpoint) {

    /** What a change does to one member. */
    public enum Type {
        /** Make the member a voter: a new member, or a learner promoted. */
        ADD_VOTER,
        /** Make the member a learner: a new member, or a voter demoted. */
        ADD_LEARNER,
        /** Remove the member, voter or learner. */
        REMOVE
    }

    /**
     * Checks the type and the id.
     *
     * @param type what to do
     * @param id the member
     * @param endpoint the member's endpoint for an addition; null keeps the endpoint already known (a promotion or a
     *     demotion)
     * @throws IllegalArgumentException naming the change when a component is invalid
     */
    public MembershipChange {
        if (type == null) {
            throw new IllegalArgumentException("membership change of " + id + " has no type");
        }
        if (id < 1) {
            throw new IllegalArgumentException("member id must be positive, got " + id);
        }
    }

    /**
     * Adds {@code id} as a voter, or promotes it when it is a learner.
     *
     * @param id the node id, positive
     * @param endpoint how the runtime reaches it
     * @return the change
     */
    public static MembershipChange addVoter(long id, String endpoint) {
        return new MembershipChange(Type.ADD_VOTER, id, endpoint);
    }

    /**
     * Adds {@code id} as a learner: it receives the log but does not vote.
     *
     * @param id the node id, positive
     * @param endpoint how the runtime reaches it
     * @return the change
     */
    public static MembershipChange addLearner(long id, String endpoint) {
        return new MembershipChange(Type.ADD_LEARNER, id, endpoint);
    }

    /**
     * Promotes a learner to voter, keeping its endpoint.
     *
     * @param id the learner's node id
     * @return the change
     */
    public static MembershipChange promote(long id) {
        return new MembershipChange(Type.ADD_VOTER, id, null);
    }

    /**
     * Removes the voter or learner {@code id}.
     *
     * @param id the member's node id
     * @return the change
     */
    public static MembershipChange remove(long id) {
        return new MembershipChange(Type.REMOVE, id, null);
    }
}
