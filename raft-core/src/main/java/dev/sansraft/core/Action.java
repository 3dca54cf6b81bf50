package dev.sansraft.core;

import java.util.List;

/**
 * An output of {@link RaftCore#step(Event)}: something the runtime must do. The {@code permits} list is everything a
 * node can ask of the world.
 *
 * <h2>The action contract</h2>
 * A runtime executes the actions of one step in list order, subject to these rules:
 * <ol>
 *   <li><b>Hard state before sends.</b> A {@link Send} must not leave the node before every {@link PersistHardState}
 *   that precedes it (in this step or an earlier one) is durable. This is what makes a vote or a term change safe:
 *   a node never grants a vote it could forget in a crash.</li>
 *   <li><b>Log writes in order.</b> {@link TruncateLog} and {@link AppendLog} are applied to storage in the order they
 *   were emitted, across steps, and never become durable before a {@link PersistHardState} emitted ahead of them
 *   (a log may not hold entries of a term its hard state has not reached). They may be made durable asynchronously, and many of them may share one fsync
 *   (group commit). When the writes up to an {@code AppendLog} ending at index {@code i} are durable, the runtime
 *   feeds back {@link Event.Persisted}{@code (i, termAt(i), epoch)} with that write's epoch; it may report only the
 *   newest write of a group.</li>
 *   <li><b>Sends need not wait for log writes.</b> The core already withholds what depends on durability: a
 *   follower emits its successful {@link Message.AppendResponse} only after the matching {@code Persisted} event,
 *   and a leader counts itself towards the commit quorum only up to its persisted index. A leader's
 *   {@code AppendRequest}s may therefore be sent while its own write is still in flight.</li>
 *   <li><b>Apply in order.</b> {@link Apply} batches are handed to the state machine in the order emitted; entries
 *   in them are committed and never change. Applying may run on another thread.</li>
 *   <li><b>Outcomes.</b> Every {@link Event.Propose} gets exactly one immediate {@link ProposalOutcome}
 *   ({@link ProposalAccepted} or {@link ProposalRejected}); an accepted one is later either applied (an {@link Apply}
 *   carries an entry with the accepted index <em>and</em> term) or reported {@link ProposalDropped}, or, when
 *   a snapshot from the leader covered it before this node applied it, {@link ProposalUnknown}.</li>
 *   <li><b>Snapshots taken.</b> A {@link TakeSnapshot} is ordered with {@link Apply}: it captures the state after
 *   exactly the entries applied before it (its {@code index}). The runtime writes it to its snapshot store and,
 *   once it is durable, feeds back {@link Event.SnapshotSaved}. A runtime that cannot take it (no snapshot support,
 *   a failed write, a write still in progress) reports nothing; the core asks again after another threshold's
 *   worth of applied entries.</li>
 *   <li><b>Compaction and reset are log writes.</b> {@link CompactLog} and {@link ResetLog} are ordered with
 *   {@link TruncateLog} and {@link AppendLog}. The core never reads an index it has compacted or reset away, so the
 *   storage may drop the entries whenever it executes the action.</li>
 *   <li><b>Snapshot transfer.</b> {@link SendSnapshotChunk} asks the leader's runtime to read a range of a stored
 *   snapshot and send it as a {@link Message.InstallSnapshot}; it may run on another thread and is unordered with
 *   other sends. If the snapshot is gone, the runtime drops the chunk and the core's bounded retries take over.
 *   {@link WriteSnapshotChunk} asks a follower's runtime to append a received chunk (offset 0 starts a new
 *   snapshot and abandons any unfinished one) and to send the attached reply only once the bytes are written; the
 *   last chunk is followed by a durable commit and {@link Event.SnapshotSaved}; that commit must not become
 *   durable before the {@link PersistHardState}s emitted ahead of the chunk (a snapshot of a term the hard state has
 *   not reached would not restart), and failing to make it durable is a storage failure that stops the node, as a
 *   failed log write does. {@link RestoreSnapshot} is ordered
 *   with {@link Apply}: the state machine's state is replaced with the stored snapshot, and the next entry applied
 *   follows the snapshot's index.</li>
 * </ol>
 *
 * <p>Immutable records; thread-safe. Entry lists follow the ownership rule of {@link LogEntry}.
 */
public sealed interface Action
        permits Action.PersistHardState, Action.TruncateLog, Action.AppendLog, Action.Send, Action.Apply,
        Action.ProposalOutcome, Action.RoleChanged, Action.ReadReady, Action.ReadRejected, Action.TakeSnapshot,
        Action.CompactLog, Action.ResetLog, Action.SendSnapshotChunk, Action.WriteSnapshotChunk,
        Action.RestoreSnapshot, Action.TransferOutcome {

    /** Durably record the term and vote before any later {@link Send} leaves the node. */
    record PersistHardState(HardState state) implements Action {
    }

    /**
     * Remove the entry at {@code fromIndex} and every entry after it (a conflicting suffix, Raft §5.3).
     *
     * @param fromIndex the first index to remove, at least 1
     */
    record TruncateLog(long fromIndex) implements Action {
        /**
         * Checks the index.
         *
         * @param fromIndex the first index to remove, at least 1
         * @throws IllegalArgumentException if {@code fromIndex} is below 1
         */
        public TruncateLog {
            if (fromIndex < 1) {
                throw new IllegalArgumentException("truncate index must be >= 1, got " + fromIndex);
            }
        }
    }

    /**
     * Append entries, contiguous, starting right after the log's current last index.
     *
     * @param entries the entries to append, at least one
     * @param epoch the node's term when the write was requested; echo it in {@link Event.Persisted}
     */
    record AppendLog(List<LogEntry> entries, long epoch) implements Action {
        /**
         * Copies the entries and checks that there is at least one.
         *
         * @param entries the entries to append, at least one
         * @param epoch the node's term when the write was requested; echo it in {@link Event.Persisted}
         * @throws IllegalArgumentException if {@code entries} is empty
         */
        public AppendLog {
            entries = List.copyOf(entries);
            if (entries.isEmpty()) {
                throw new IllegalArgumentException("AppendLog with no entries");
            }
        }
    }

    /** Deliver a message to a peer. Delivery is best effort: Raft retransmits. */
    record Send(Message message) implements Action {
    }

    /**
     * Committed entries, in index order, to hand to the state machine. NOOP entries are included.
     *
     * @param entries the committed entries, contiguous and in index order
     */
    record Apply(List<LogEntry> entries) implements Action {
        /**
         * Copies the entries.
         *
         * @param entries the committed entries, contiguous and in index order
         */
        public Apply {
            entries = List.copyOf(entries);
        }
    }

    /** The answer to one {@link Event.Propose}. */
    sealed interface ProposalOutcome extends Action
            permits ProposalAccepted, ProposalRejected, ProposalDropped, ProposalUnknown {
        /** {@return the id the runtime gave the request this outcome answers} */
        long correlationId();
    }

    /** The proposal was appended to the leader's log at {@code (index, term)}; it is not yet committed. */
    record ProposalAccepted(long correlationId, long index, long term) implements ProposalOutcome {
    }

    /** Why a proposal was refused without being appended. */
    enum RejectReason {
        /** This node is not the leader; {@code leaderHint} names the leader if known, else 0. */
        NOT_LEADER,
        /** Too many uncommitted bytes are in flight ({@code maxUncommittedBytes}); retry later. */
        OVERLOADED,
        /**
         * The leader is handing leadership over ({@link Event.TransferLeadership}) and accepts nothing meanwhile;
         * retry shortly at {@code leaderHint}, the transfer's target.
         */
        LEADERSHIP_TRANSFER,
        /**
         * A membership change: another change is not committed yet (including the automatic step out of the joint
         * state), or this leader has not yet committed an entry of its term; retry later.
         */
        MEMBERSHIP_CHANGE_IN_PROGRESS,
        /**
         * A membership change that does not apply to the current configuration (an unknown member, a member already
         * in that role, no voter left); retrying it unchanged will fail again.
         */
        INVALID_MEMBERSHIP_CHANGE
    }

    /**
     * The proposal was refused and will never be applied.
     *
     * @param correlationId the id of the rejected request
     * @param reason why it was rejected
     * @param leaderHint the leader to retry at, or 0 when unknown
     * @param detail what was wrong, for a person; empty when {@code reason} says it all
     */
    record ProposalRejected(long correlationId, RejectReason reason, long leaderHint, String detail)
            implements ProposalOutcome {
        /**
         * Replaces a null detail with the empty string.
         *
         * @param correlationId the id of the rejected request
         * @param reason why it was rejected
         * @param leaderHint the leader to retry at, or 0 when unknown
         * @param detail what was wrong, for a person; empty when {@code reason} says it all
         */
        public ProposalRejected {
            if (detail == null) {
                detail = "";
            }
        }

        /**
         * A rejection without detail.
         *
         * @param correlationId the id of the rejected request
         * @param reason why it was rejected
         * @param leaderHint the leader to retry at, or 0 when unknown
         */
        public ProposalRejected(long correlationId, RejectReason reason, long leaderHint) {
            this(correlationId, reason, leaderHint, "");
        }
    }

    /**
     * An accepted proposal will never be applied: either another entry was committed at its {@code index}, or an
     * entry of a newer term was committed before it (terms never decrease along a log, so nothing of an older term
     * can follow it). Never reported merely because this node's own copy was truncated or it lost leadership, since
     * another node's copy may still commit.
     */
    record ProposalDropped(long correlationId, long index, long term) implements ProposalOutcome {
    }

    /**
     * This node installed a snapshot from the leader that covers the accepted proposal's {@code index} before it
     * applied that index itself. The proposal may or may not have taken effect, and its result is not known here; a
     * client should retry it idempotently (for example through a session that deduplicates retries).
     */
    record ProposalUnknown(long correlationId, long index, long term) implements ProposalOutcome {
    }

    /** The node's role, term or known leader changed. {@code leaderId} is 0 when no leader is known. */
    record RoleChanged(Role role, long term, long leaderId) implements Action {
    }

    /**
     * A linearizable read may be served once the state machine has applied {@code readIndex}
     * (thesis §6.4 step 4).
     */
    record ReadReady(long readId, long readIndex) implements Action {
    }

    /** A read could not be given a read index; retry it at {@code leaderHint} (0 if unknown). */
    record ReadRejected(long readId, long leaderHint) implements Action {
    }

    /**
     * Take a snapshot of the state machine as of {@code index} (the last entry applied before this action) and store
     * it with this position and configuration; report it with {@link Event.SnapshotSaved} once durable.
     *
     * @param index the index of the last entry the snapshot covers
     * @param term the term of that entry
     * @param membership the configuration in effect at {@code index}
     */
    record TakeSnapshot(long index, long term, Membership membership) implements Action {
        /**
         * Checks the position and the configuration.
         *
         * @param index the index of the last entry the snapshot covers
         * @param term the term of that entry
         * @param membership the configuration in effect at {@code index}
         * @throws IllegalArgumentException if the index or term is below 1, or the configuration is null or empty
         */
        public TakeSnapshot {
            if (index < 1 || term < 1) {
                throw new IllegalArgumentException("snapshot position must be at least 1, got " + index + "@" + term);
            }
            if (membership == null || membership.isEmpty()) {
                throw new IllegalArgumentException("snapshot at " + index + " without a configuration");
            }
        }

        /**
         * A snapshot whose configuration is the simple one of {@code members}, all voters.
         *
         * @param index the index of the last entry the snapshot covers
         * @param term the term of that entry
         * @param members the voters' ids
         */
        public TakeSnapshot(long index, long term, List<Long> members) {
            this(index, term, Membership.ofVoters(members));
        }

        /** {@return every voting member's id, ascending} */
        public List<Long> members() {
            return membership.allVoterIds();
        }
    }

    /**
     * Discard log entries up to and including {@code upToIndex}, which a durable snapshot covers. The storage keeps
     * answering the term of {@code upToIndex}.
     *
     * @param upToIndex the last index to discard, at least 1
     */
    record CompactLog(long upToIndex) implements Action {
        /**
         * Checks the index.
         *
         * @param upToIndex the last index to discard, at least 1
         * @throws IllegalArgumentException if {@code upToIndex} is below 1
         */
        public CompactLog {
            if (upToIndex < 1) {
                throw new IllegalArgumentException("compaction index must be >= 1, got " + upToIndex);
            }
        }
    }

    /**
     * Discard every entry and continue the log after {@code (index, term)}, the position of an installed snapshot
     * that this node's log did not match (Raft §7 receiver rule 7). Afterwards the log is empty with first index
     * {@code index + 1} and the term of {@code index} is {@code term}.
     *
     * @param index the index of the installed snapshot's last entry
     * @param term the term of that entry
     */
    record ResetLog(long index, long term) implements Action {
        /**
         * Checks the position.
         *
         * @param index the index of the installed snapshot's last entry
         * @param term the term of that entry
         * @throws IllegalArgumentException if {@code index} or {@code term} is below 1
         */
        public ResetLog {
            if (index < 1 || term < 1) {
                throw new IllegalArgumentException("reset position must be at least 1, got " + index + "@" + term);
            }
        }
    }

    /**
     * Read {@code length} bytes at {@code offset} of the stored snapshot {@code snapshot} and send them to {@code to}
     * as a {@link Message.InstallSnapshot} in {@code term}.
     *
     * @param to the follower to send the chunk to
     * @param term the leader's term to send it in
     * @param snapshot the stored snapshot to read from
     * @param offset the chunk's first byte within the snapshot
     * @param length the chunk's size in bytes
     */
    record SendSnapshotChunk(long to, long term, SnapshotInfo snapshot, long offset, int length) implements Action {
        /**
         * Checks that the chunk lies within the snapshot.
         *
         * @param to the follower to send the chunk to
         * @param term the leader's term to send it in
         * @param snapshot the stored snapshot to read from
         * @param offset the chunk's first byte within the snapshot
         * @param length the chunk's size in bytes
         * @throws IllegalArgumentException if {@code snapshot} is null or the range falls outside it
         */
        public SendSnapshotChunk {
            if (snapshot == null || offset < 0 || length < 0 || offset > snapshot.sizeBytes() - length) {
                throw new IllegalArgumentException("snapshot chunk [" + offset + ", +" + length + ") outside "
                        + snapshot);
            }
        }
    }

    /**
     * Append a received chunk to the snapshot being received (offset 0 starts it), then send {@code reply}. The
     * chunk that ends at {@code snapshot.sizeBytes()} completes it: commit it durably and report
     * {@link Event.SnapshotSaved}. The core has already checked that the chunks are contiguous and that the whole
     * payload's checksum matches {@code snapshot.checksum()}.
     *
     * @param snapshot the snapshot being received
     * @param offset the chunk's first byte within the snapshot
     * @param data the chunk's bytes; owned by the action
     * @param reply the answer to send to the leader once the chunk is written
     */
    record WriteSnapshotChunk(SnapshotInfo snapshot, long offset, byte[] data, Message reply) implements Action {
        /**
         * Checks that the chunk is complete and lies within the snapshot.
         *
         * @param snapshot the snapshot being received
         * @param offset the chunk's first byte within the snapshot
         * @param data the chunk's bytes; owned by the action
         * @param reply the answer to send to the leader once the chunk is written
         * @throws IllegalArgumentException if a component is null or the chunk falls outside the snapshot
         */
        public WriteSnapshotChunk {
            if (snapshot == null || data == null || reply == null) {
                throw new IllegalArgumentException("incomplete snapshot chunk write at offset " + offset);
            }
            if (offset < 0 || offset > snapshot.sizeBytes() - data.length) {
                throw new IllegalArgumentException("snapshot chunk [" + offset + ", +" + data.length + ") outside "
                        + snapshot);
            }
        }

        /** {@return whether this chunk completes the snapshot} */
        public boolean isLast() {
            return offset + data.length == snapshot.sizeBytes();
        }
    }

    /** Replace the state machine's state with the stored snapshot {@code snapshot}, in order with {@link Apply}. */
    record RestoreSnapshot(SnapshotInfo snapshot) implements Action {
    }

    /**
     * The one answer to an {@link Event.TransferLeadership}.
     *
     * @param requestId  the request's id
     * @param target     the node leadership was to go to
     * @param result     how it ended
     * @param leaderHint the leader known when it ended, or 0
     */
    record TransferOutcome(long requestId, long target, TransferResult result, long leaderHint) implements Action {
    }

    /** How a leadership transfer ended. */
    enum TransferResult {
        /** The target became leader. */
        COMPLETED,
        /** This node is not the leader; {@code leaderHint} names the leader if known. */
        NOT_LEADER,
        /** The target is not a voter of the current configuration (a learner, or unknown). */
        INVALID_TARGET,
        /** Another transfer is under way. */
        IN_PROGRESS,
        /** The target did not take over within an election timeout; the old leader continues. Retryable. */
        TIMED_OUT,
        /** Another node than the target became leader meanwhile. */
        SUPERSEDED
    }
}
