package dev.sansraft.sim;

/** The properties the simulator checks. The first five are Raft's (Figure 3 of the paper). */
public enum Invariant {
    /** At most one leader can be elected in a given term (§5.2). */
    ELECTION_SAFETY,
    /** A leader never overwrites or deletes entries in its log; it only appends (§5.3). */
    LEADER_APPEND_ONLY,
    /** Two logs holding an entry with the same index and term are identical up to that index (§5.3). */
    LOG_MATCHING,
    /** An entry committed in a term is in the log of every leader of a later term (§5.4). */
    LEADER_COMPLETENESS,
    /** No two nodes apply different entries at the same index (§5.4.3). */
    STATE_MACHINE_SAFETY,
    /** A node's commit index never moves backwards within one incarnation. */
    COMMIT_MONOTONIC,
    /** A node's applied index never moves backwards within one incarnation, nor passes its commit index. */
    APPLIED_MONOTONIC,
    /** A node's persisted term never decreases and it never changes its vote within a term. */
    VOTE_DURABILITY,
    /** After a restart a node's term, vote and acknowledged log writes are all still there. */
    DURABLE_STATE,
    /** Every proposal gets one immediate outcome, and a dropped proposal is never applied. */
    PROPOSAL_OUTCOME,
    /** Every proposal acknowledged as committed is applied on every node once the network heals. */
    COMMITTED_APPLIED_EVERYWHERE,
    /** Once faults stop, a leader emerges and proposals commit within the stated bound. */
    LIVENESS,
    /** A client write re-sent and so in the log twice changes the state machine only once (client sessions). */
    EXACTLY_ONCE,
    /**
     * A snapshot covers exactly committed entries and the state after them; its bytes arrive whole with the size and
     * checksum announced; the core's snapshot actions follow the action contract (items 6-8).
     */
    SNAPSHOT,
    /**
     * What a client learns from a {@code RaftNode} future is true: every future of a live node completes by its
     * deadline; a successful write was applied (so committed); a write reported dropped is never applied; a node
     * that applied a write does not report its outcome unknown.
     */
    CLIENT_OUTCOME,
    /**
     * The node runtime carries out the core's actions in the contract's order: no message leaves before the hard
     * state it depends on is durable (a message's term is durable at the sender, and so is a vote it grants).
     */
    ACTION_ORDER,
    /** A real node runtime under the simulator stopped on a fatal error (an invariant of the runtime broke). */
    NODE_FAILURE,
    /**
     * Each committed configuration's quorums intersect those of the configuration committed before it (thesis ch. 4:
     * the single-step change of one voter, or the joint configuration between larger changes).
     */
    CONFIGURATION_OVERLAP,
    /**
     * A leader's commit index is held durably by a quorum of its configuration: removed nodes and learners never
     * count toward a commit, and in the joint configuration both majorities are needed.
     */
    COMMIT_QUORUM,
    /**
     * Simulated time advances: no more than a fixed number of events run within one tick. Work that reschedules itself
     * without end (a livelock in a stage, or a fault that feeds on the messages it causes) otherwise stalls the run
     * forever instead of failing it with a seed.
     */
    TIME_ADVANCES,
    /** The clients' history is linearizable. */
    LINEARIZABILITY,
    /** The core threw while handling an event. */
    CORE_EXCEPTION
}
