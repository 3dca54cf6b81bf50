package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Membership;
import dev.sansraft.core.Message;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.core.Role;
import dev.sansraft.core.SnapshotInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted stand-in for RaftCore, so that the runtime's rules can be tested alone: it behaves as the leader of a
 * one-node cluster (commits on Persisted), or rejects, or never commits, as {@link #mode} says; and it emits any
 * actions queued in {@link #onNextTick} on the next tick. It records the snapshots reported to it and the one it was
 * built with.
 */
class FakeCore implements ConsensusCore {

    enum Mode { LEADER, NEVER_COMMIT, FOLLOWER, OVERLOADED }

    volatile Mode mode = Mode.LEADER;
    volatile long leaderHint = 7;
    final Queue<List<Action>> onNextTick = new ConcurrentLinkedQueue<>();
    final List<Event> persistedSeen = new CopyOnWriteArrayList<>();
    final List<SnapshotInfo> snapshotsSaved = new CopyOnWriteArrayList<>();
    /** The snapshot the runtime built this core with. */
    volatile Optional<SnapshotInfo> startSnapshot;
    /** Every message the runtime delivered, in order. */
    final List<Message> receivedMessages = new CopyOnWriteArrayList<>();
    /** When set, stepping a received VoteRequest waits for it: the event loop stalls, and its inbox fills. */
    volatile CountDownLatch stallOnVoteRequest;
    /** When non-negative, the read index every ReadIndex gets instead of the log's last index. */
    volatile long readIndexOverride = -1;
    /** The configuration the status reports; null for the simple one of this node alone. */
    volatile Membership membership;

    private final long id;
    private final List<LogEntry> log = new ArrayList<>();
    /** Changed only on the loop thread, by {@link #loseEntriesAndBecomeLeaderOf} at a tick. */
    private volatile long term = 3;
    private final Queue<Long> newTerms = new ConcurrentLinkedQueue<>();
    private long commitIndex;

    FakeCore(long id) {
        this.id = id;
    }

    static ConsensusCore.Factory factory(FakeCore core) {
        return (id, members, config, logView, hardState, snapshot) -> {
            core.startSnapshot = snapshot;
            return core;
        };
    }

    @Override
    public List<Action> stepAll(List<? extends Event> events) {
        List<Action> out = new ArrayList<>();
        for (Event e : events) {
            out.addAll(step(e));
        }
        return out;
    }

    List<Action> step(Event event) {
        List<Action> out = new ArrayList<>();
        if (event instanceof Event.Tick) {
            Long newTerm = newTerms.poll();
            if (newTerm != null) {
                log.clear();
                term = newTerm;
                out.add(new Action.TruncateLog(1));
            }
            List<Action> scripted = onNextTick.poll();
            if (scripted != null) {
                out.addAll(scripted);
            }
        } else if (event instanceof Event.Propose) {
            Event.Propose p = (Event.Propose) event;
            if (mode == Mode.FOLLOWER) {
                out.add(new Action.ProposalRejected(p.correlationId(), Action.RejectReason.NOT_LEADER, leaderHint));
            } else if (mode == Mode.OVERLOADED) {
                out.add(new Action.ProposalRejected(p.correlationId(), Action.RejectReason.OVERLOADED, 0));
            } else {
                LogEntry e = LogEntry.normal(log.size() + 1, term, p.payload());
                log.add(e);
                out.add(new Action.AppendLog(List.of(e), term));
                out.add(new Action.ProposalAccepted(p.correlationId(), e.index(), e.term()));
            }
        } else if (event instanceof Event.Receive) {
            Message m = ((Event.Receive) event).message();
            receivedMessages.add(m);
            CountDownLatch stall = stallOnVoteRequest;
            if (m instanceof Message.VoteRequest && stall != null) {
                try {
                    stall.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } else if (event instanceof Event.Persisted) {
            persistedSeen.add(event);
            long index = ((Event.Persisted) event).index();
            if (mode != Mode.NEVER_COMMIT && index > commitIndex) {
                out.add(new Action.Apply(log.subList((int) commitIndex, (int) index)));
                commitIndex = index;
            }
        } else if (event instanceof Event.ReadIndex) {
            long readId = ((Event.ReadIndex) event).readId();
            long readIndex = readIndexOverride >= 0 ? readIndexOverride : log.size();
            out.add(mode == Mode.FOLLOWER ? new Action.ReadRejected(readId, leaderHint)
                    : new Action.ReadReady(readId, readIndex));
        } else if (event instanceof Event.SnapshotSaved) {
            snapshotsSaved.add(((Event.SnapshotSaved) event).snapshot());
        }
        return out;
    }

    /**
     * At the next tick, forgets its whole log and leads in {@code newTerm}, as a leader that was deposed, had its
     * uncommitted entries truncated, and was elected again would.
     */
    void loseEntriesAndBecomeLeaderOf(long newTerm) {
        newTerms.add(newTerm);
    }

    long term() {
        return term;
    }

    @Override
    public RaftStatus status() {
        return new RaftStatus(id, mode == Mode.FOLLOWER ? Role.FOLLOWER : Role.LEADER, term,
                mode == Mode.FOLLOWER ? leaderHint : id, commitIndex, commitIndex, log.size(), List.of(id),
                List.of(), 0, membership, 0);
    }
}
