package dev.sansraft.node;

import dev.sansraft.core.Membership;
import dev.sansraft.core.Role;
import dev.sansraft.core.SnapshotInfo;

/**
 * Told about a {@link RaftNode}'s life: role, term and leader changes, snapshots, membership changes and its
 * fail-stop. Every method has an empty default, so an embedder overrides only what it needs. Register one with
 * {@link RaftNode.Builder#listener} or, at any time, {@link RaftNode#addListener}.
 *
 * <h2>Threads</h2>
 * Methods are called on the node's own listener thread ({@code sansraft-<id>-listener}, the listener stage of the
 * default {@link NodeScheduler}), one event at a time, in the order the node produced them, never on the event loop,
 * storage, apply or snapshot threads. The node hands events
 * over through a bounded queue ({@value ListenerQueue#CAPACITY} events) with a non-blocking offer, so a slow or
 * blocked listener cannot stall Raft: it only delays later events. When the queue is full the node drops the new
 * event, counts it in {@code sansraft_listener_events_dropped_total} and logs a warning; a listener that must not
 * miss a change should re-read {@link RaftNode#status()} when it next runs. An exception a method throws is logged
 * and the next listener or event goes on.
 *
 * <p>Unlike {@link LeaderChangeListener} (called on the apply thread, in order with applied entries), these events
 * carry no ordering guarantee relative to applied entries or completed futures.
 *
 * <p>Implementations must be thread-safe only if one instance is registered on several nodes.
 */
public interface RaftNodeListener {

    /**
     * The node's role changed, or its term did while it kept its role (a candidate starting another election).
     *
     * @param role     the new role
     * @param term     the term it holds that role in
     * @param leaderId the leader it knows of in that term, 0 if none
     */
    default void onRoleChange(Role role, long term, long leaderId) {
    }

    /**
     * The leader this node knows of changed: a new leader was learned (or this node became it), or the known leader
     * was lost ({@code leaderId} 0). Not called for each term a candidate tries while no leader is known.
     *
     * @param leaderId the new leader's id, or 0 when no leader is known
     * @param term the term the leader leads in
     */
    default void onLeaderChange(long leaderId, long term) {
    }

    /**
     * The configuration in effect on this node changed: voters, learners or the joint state (Raft thesis ch. 4). A
     * configuration takes effect as soon as its entry is in the node's log, not once it is committed, so this is
     * called when a configuration entry is appended, when one is rolled back (its entry truncated by a new leader,
     * bringing the previous configuration back), and when a snapshot is restored with the configuration it carries.
     * It is also called once when the node starts, with the configuration it starts from ({@link Membership#EMPTY}
     * for a member-to-be). Changes within one event-loop round are reported once, as their outcome.
     *
     * @param membership the configuration now in effect on this node (committed or not)
     */
    default void onMembershipChange(Membership membership) {
    }

    /**
     * A snapshot of this node's own state was stored (after which the log before it may be compacted).
     *
     * @param snapshot the stored snapshot's position and configuration
     */
    default void onSnapshotTaken(SnapshotInfo snapshot) {
    }

    /**
     * A snapshot received from the leader was restored into the state machine.
     *
     * @param snapshot the installed snapshot's position and configuration
     */
    default void onSnapshotInstalled(SnapshotInfo snapshot) {
    }

    /**
     * As leader, this node sent the last chunk of {@code snapshot} to {@code followerId}.
     *
     * @param followerId the follower the snapshot went to
     * @param snapshot the snapshot sent
     */
    default void onSnapshotSent(long followerId, SnapshotInfo snapshot) {
    }

    /**
     * A fatal error stopped the node (fail-stop): a storage failure or a broken invariant. The last event the node
     * produces; {@link RaftNode#terminated()} completes exceptionally with the same cause.
     *
     * @param cause the error that stopped the node
     */
    default void onFailStop(Throwable cause) {
    }
}
