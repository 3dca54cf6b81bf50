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
 *   carries an entry with the accepted index <em>and</em> term) or reported {@link ProposalDropped}.</li>
 * </ol>
 *
 * <p>Immutable records; thread-safe. Entry lists follow the ownership rule of {@link LogEntry}.
 */
public sealed interface Action
        permits Action.PersistHardState, Action.TruncateLog, Action.AppendLog, Action.Send, Action.Apply,
        Action.ProposalOutcome, Action.RoleChanged, Action.ReadReady, Action.ReadRejected {

    /** Durably record the term and vote before any later {@link Send} leaves the node. */
    record PersistHardState(HardState state) implements Action {
    }

    /** Remove the entry at {@code fromIndex} and every entry after it (a conflicting suffix, Raft §5.3). */
    record TruncateLog(long fromIndex) implements Action {
        public TruncateLog {
            if (fromIndex < 1) {
                throw new IllegalArgumentException("truncate index must be >= 1, got " + fromIndex);
            }
        }
    }

    /**
     * Append entries, contiguous, starting right after the log's current last index.
     *
     * @param epoch the node's term when the write was requested; echo it in {@link Event.Persisted}
     */
    record AppendLog(List<LogEntry> entries, long epoch) implements Action {
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

    /** Committed entries, in index order, to hand to the state machine. NOOP entries are included. */
    record Apply(List<LogEntry> entries) implements Action {
        public Apply {
            entries = List.copyOf(entries);
        }
    }

    /** The answer to one {@link Event.Propose}. */
    sealed interface ProposalOutcome extends Action permits ProposalAccepted, ProposalRejected, ProposalDropped {
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
        OVERLOADED
    }

    /** The proposal was refused and will never be applied. */
    record ProposalRejected(long correlationId, RejectReason reason, long leaderHint) implements ProposalOutcome {
    }

    /**
     * An accepted proposal will never be applied: either another entry was committed at its {@code index}, or an
     * entry of a newer term was committed before it (terms never decrease along a log, so nothing of an older term
     * can follow it). Never reported merely because this node's own copy was truncated or it lost leadership, since
     * another node's copy may still commit.
     */
    record ProposalDropped(long correlationId, long index, long term) implements ProposalOutcome {
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
}
