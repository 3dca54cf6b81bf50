package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Membership;
import dev.sansraft.core.Message;
import dev.sansraft.core.RaftStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The event-loop thread: the only thread that touches the {@link ConsensusCore}. Ticks, inbound messages,
 * {@code Persisted} reports and client requests all arrive through one {@link WorkQueue}; the loop steps the core once
 * with every queued input (up to {@link #MAX_BATCH}), then flushes the actions at once: one storage batch, one apply
 * batch, and the sends.
 *
 * <p>Action contract ({@link Action}): log writes and hard-state saves go to the {@link StorageWriter} in emission
 * order. A send goes straight to the transport unless a hard-state save emitted before it is not yet done (in this
 * batch, or in a storage batch not yet completed); then it is queued on the storage thread behind that save, which
 * keeps per-peer send order too. Applies go to the {@link Applier} in order, each entry paired with the local
 * proposal waiting for that index and term.
 *
 * <p>Snapshots (contract items 6-8): {@link Action.TakeSnapshot} and {@link Action.RestoreSnapshot} go to the applier
 * in order with the applies; {@link Action.CompactLog} and {@link Action.ResetLog} go to the storage thread in order
 * with the log writes; {@link Action.WriteSnapshotChunk}s go to the {@link SnapshotWorker} and
 * {@link Action.SendSnapshotChunk}s to the {@link SnapshotSender}, both gated behind a pending hard-state save like a
 * send (through the storage thread) since both end in a send. {@link Action.ProposalUnknown} fails the proposal with
 * {@link OutcomeUnknownException}.
 *
 * <p>Timeouts: requests are queued in deadline order (every request gets the same timeout); each tick expires the
 * overdue ones with {@link TimeoutException} wherever they are, so no future outlives its deadline by more than a
 * tick while the loop runs.
 *
 * <p>Thread-safety: {@link #submit}, {@link #stop}, {@link #status()} and {@link #inflight()} from any thread;
 * everything else on the loop thread, or after it terminated ({@link #failRemaining}).
 */
final class EventLoop implements Runnable {

    /** The most inputs stepped before actions are flushed, bounding the latency a burst adds. */
    static final int MAX_BATCH = 1024;

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    private final long nodeId;
    private final ConsensusCore core;
    private final Transport transport;
    private final StorageWriter storage;
    private final Applier applier;
    private final SnapshotWorker snapshotWorker;
    private final SnapshotSender snapshotSender;
    private final NodeCounters counters;
    private final LongSupplier nanoTime;
    private final Consumer<Throwable> onFatal;
    private final Supplier<RaftException> closedCause;
    private final WorkQueue<Object> inbox = new WorkQueue<>(TimeUnit.SECONDS.toNanos(1));

    // Owned by the loop thread.
    private final Map<Long, PendingRequest.Proposal> proposalsByIndex = new HashMap<>();
    private final Map<Long, PendingRequest.Read> readsById = new HashMap<>();
    private final ArrayDeque<PendingRequest> byDeadline = new ArrayDeque<>();
    private long nextCorrelationId;
    private long nextReadId;
    private final Map<Long, PendingRequest.Transfer> transfersById = new HashMap<>();
    private long nextTransferId;
    /** The configuration the transport was last told about; null until the first flush. */
    private Membership knownMembership;
    private final List<Event> events = new ArrayList<>();
    private final List<PendingRequest.Proposal> batchProposals = new ArrayList<>();
    private long batchFirstCorrelationId;
    private boolean tickInBatch;
    private List<Action> storageOps = new ArrayList<>();
    private boolean storageOpsGateSends;
    private boolean hardStatePendingInBatch;
    private long storageSeq;
    private long gateSeq;
    private final List<Message> directSends = new ArrayList<>();
    /** Snapshot chunk writes and sends that need not wait for a hard-state save. */
    private final List<Action> snapshotOps = new ArrayList<>();
    private List<ApplyTask> applyTasks = new ArrayList<>();
    private long notifiedLeader;
    private long notifiedTerm;

    private volatile RaftStatus status;
    private volatile int inflight;

    EventLoop(long nodeId, ConsensusCore core, Transport transport, StorageWriter storage, Applier applier,
              SnapshotWorker snapshotWorker, SnapshotSender snapshotSender, NodeCounters counters,
              LongSupplier nanoTime, Consumer<Throwable> onFatal, Supplier<RaftException> closedCause) {
        this.nodeId = nodeId;
        this.core = core;
        this.transport = transport;
        this.storage = storage;
        this.applier = applier;
        this.snapshotWorker = snapshotWorker;
        this.snapshotSender = snapshotSender;
        this.counters = counters;
        this.nanoTime = nanoTime;
        this.onFatal = onFatal;
        this.closedCause = closedCause;
        this.status = core.status();
    }

    void bind(Thread thread) {
        inbox.bind(thread);
    }

    /** Queues an {@link Event} or a {@link PendingRequest} for the loop. */
    void submit(Object input) {
        inbox.offer(input);
    }

    /** The transport's inbound consumer: queues a message addressed to this node. Never blocks. */
    void receive(Message message) {
        if (message.to() != nodeId) {
            log.debug("node {} drops a message addressed to node {}: {}", nodeId, message.to(), message);
            return;
        }
        inbox.offer(new Event.Receive(message));
    }

    /** The core's status as of the last flushed batch. */
    RaftStatus status() {
        return status;
    }

    /** Proposals and reads registered with the core and not yet handed to the apply thread or failed. */
    int inflight() {
        return inflight;
    }

    void stop() {
        inbox.stop();
    }

    @Override
    public void run() {
        try {
            Object input;
            while ((input = inbox.take()) != null) {
                int n = 0;
                do {
                    collect(input);
                    n++;
                } while (n < MAX_BATCH && (input = inbox.poll()) != null);
                stepBatch();
                counters.eventLoopBatches.incrementAndGet();
                counters.eventLoopEvents.addAndGet(n);
                flush();
            }
        } catch (RuntimeException | Error e) {
            // The core may be half-way through a step whose actions were lost; carrying on could break safety.
            onFatal.accept(e);
        } finally {
            // Covers close() called from a callback running on this very thread, which cannot join it.
            failRemaining(closedCause.get());
        }
    }

    /** Turns one input into core events (client requests are registered first, so outcomes can find them). */
    private void collect(Object input) {
        if (input instanceof Event.Tick) {
            tickInBatch = true;
            events.add((Event) input);
        } else if (input instanceof Event.Receive) {
            counters.messagesReceived.incrementAndGet();
            events.add((Event) input);
        } else if (input instanceof Event) {
            events.add((Event) input);
        } else if (input instanceof PendingRequest.Proposal) {
            propose((PendingRequest.Proposal) input);
        } else if (input instanceof PendingRequest.Read) {
            read((PendingRequest.Read) input);
        } else if (input instanceof PendingRequest.Transfer) {
            transfer((PendingRequest.Transfer) input);
        } else {
            throw new IllegalStateException("node " + nodeId + " event loop got an unknown input " + input);
        }
    }

    /**
     * Steps the whole batch at once: the core then sends one append per follower for all the batch's proposals
     * instead of one per proposal.
     */
    private void stepBatch() {
        if (!events.isEmpty()) {
            List<Action> actions = core.stepAll(events);
            events.clear();
            for (int i = 0, n = actions.size(); i < n; i++) {
                dispatch(actions.get(i));
            }
        }
        for (int i = 0, n = batchProposals.size(); i < n; i++) {
            PendingRequest.Proposal p = batchProposals.get(i);
            if (!p.answered) {
                // Contract rule 5 promises an immediate outcome; do not leave the caller hanging if it is broken.
                log.error("node {} core gave no outcome for proposal {}", nodeId, batchFirstCorrelationId + i);
                applyTasks.add(new ApplyTask.Fail(p.future, new ProposalDroppedException("node " + nodeId
                        + " lost track of the proposal")));
            }
        }
        batchProposals.clear();
        if (tickInBatch) {
            tickInBatch = false;
            expireOverdue(nanoTime.getAsLong());
        }
    }

    private void propose(PendingRequest.Proposal p) {
        counters.proposals.incrementAndGet();
        if (p.future.isDone()) {
            return;
        }
        long correlationId = ++nextCorrelationId;
        if (batchProposals.isEmpty()) {
            batchFirstCorrelationId = correlationId;
        }
        batchProposals.add(p);
        events.add(p.changes != null ? new Event.ChangeMembership(correlationId, p.changes)
                : new Event.Propose(correlationId, p.command));
    }

    private void transfer(PendingRequest.Transfer t) {
        if (t.future.isDone()) {
            return;
        }
        t.requestId = ++nextTransferId;
        transfersById.put(t.requestId, t);
        byDeadline.add(t);
        events.add(new Event.TransferLeadership(t.requestId, t.target));
    }

    private void onTransferOutcome(Action.TransferOutcome o) {
        PendingRequest.Transfer t = transfersById.remove(o.requestId());
        if (t == null) {
            return;
        }
        log.info("node {}: leadership transfer to node {} ended: {} (leader {})", nodeId, o.target(), o.result(),
                o.leaderHint());
        if (o.result() == Action.TransferResult.COMPLETED) {
            applyTasks.add(new ApplyTask.Complete(t.future, new byte[0]));
            return;
        }
        RaftException cause = switch (o.result()) {
            case NOT_LEADER -> new NotLeaderException(nodeId, o.leaderHint());
            case INVALID_TARGET -> new LeadershipTransferException(LeadershipTransferException.Reason.INVALID_TARGET,
                    o.leaderHint(), "node " + o.target() + " is not a voter of the configuration; only a voter can"
                    + " take over leadership");
            case IN_PROGRESS -> new LeadershipTransferException(LeadershipTransferException.Reason.IN_PROGRESS,
                    o.leaderHint(), "another leadership transfer is under way on node " + nodeId);
            case TIMED_OUT -> new LeadershipTransferException(LeadershipTransferException.Reason.TIMED_OUT,
                    o.leaderHint(), "node " + o.target() + " did not take over within an election timeout; node "
                    + nodeId + " leads on");
            case SUPERSEDED -> new LeadershipTransferException(LeadershipTransferException.Reason.SUPERSEDED,
                    o.leaderHint(), "node " + o.leaderHint() + " became leader instead of node " + o.target());
            default -> throw new IllegalStateException("node " + nodeId + ": unexpected transfer outcome " + o);
        };
        applyTasks.add(new ApplyTask.Fail(t.future, cause));
    }

    /** The proposal of this batch with {@code correlationId}; outcomes always come in the batch that proposed. */
    private PendingRequest.Proposal proposalOf(Action.ProposalOutcome outcome) {
        long slot = outcome.correlationId() - batchFirstCorrelationId;
        if (slot < 0 || slot >= batchProposals.size()) {
            throw new IllegalStateException("node " + nodeId + " got " + outcome
                    + " for no proposal of this batch (correlation ids " + batchFirstCorrelationId + ".."
                    + (batchFirstCorrelationId + batchProposals.size() - 1) + ")");
        }
        PendingRequest.Proposal p = batchProposals.get((int) slot);
        p.answered = true;
        return p;
    }

    private void read(PendingRequest.Read r) {
        if (r.future.isDone()) {
            return;
        }
        if (r.consistency == ReadConsistency.STALE) {
            // Served from local state at once; it passes through the loop only so that its deadline is enforced.
            counters.staleReads.incrementAndGet();
            byDeadline.add(r);
            applyTasks.add(new ApplyTask.Query(0, r));
            return;
        }
        counters.reads.incrementAndGet();
        r.readId = ++nextReadId;
        readsById.put(r.readId, r);
        byDeadline.add(r);
        events.add(new Event.ReadIndex(r.readId, r.consistency == ReadConsistency.LEASE));
    }

    /** The one place that dispatches on the action type. */
    private void dispatch(Action a) {
        if (a instanceof Action.Send) {
            Message m = ((Action.Send) a).message();
            if (hardStatePendingInBatch || storage.completedSeq() < gateSeq) {
                storageOps.add(a); // contract rule 1: wait for the hard state emitted before it
                storageOpsGateSends = true;
            } else {
                directSends.add(m);
            }
        } else if (a instanceof Action.AppendLog || a instanceof Action.TruncateLog
                || a instanceof Action.CompactLog || a instanceof Action.ResetLog) {
            storageOps.add(a); // contract item 7: compaction and reset are log writes, in order with the others
        } else if (a instanceof Action.PersistHardState) {
            storageOps.add(a);
            hardStatePendingInBatch = true;
            storageOpsGateSends = true;
        } else if (a instanceof Action.Apply) {
            onApply(((Action.Apply) a).entries());
        } else if (a instanceof Action.ProposalAccepted) {
            onAccepted((Action.ProposalAccepted) a);
        } else if (a instanceof Action.ProposalRejected) {
            onRejected((Action.ProposalRejected) a);
        } else if (a instanceof Action.ProposalDropped) {
            onDropped((Action.ProposalDropped) a);
        } else if (a instanceof Action.ReadReady) {
            Action.ReadReady r = (Action.ReadReady) a;
            PendingRequest.Read read = readsById.remove(r.readId());
            if (read != null) {
                applyTasks.add(new ApplyTask.Query(r.readIndex(), read));
            }
        } else if (a instanceof Action.ReadRejected) {
            Action.ReadRejected r = (Action.ReadRejected) a;
            PendingRequest.Read read = readsById.remove(r.readId());
            if (read != null) {
                counters.readsRejected.incrementAndGet();
                applyTasks.add(new ApplyTask.Fail(read.future, new NotLeaderException(nodeId, r.leaderHint())));
            }
        } else if (a instanceof Action.RoleChanged) {
            onRoleChanged((Action.RoleChanged) a);
        } else if (a instanceof Action.WriteSnapshotChunk || a instanceof Action.SendSnapshotChunk) {
            // Both end in a send (the chunk's reply, or the chunk itself), so they wait for hard state like a Send.
            if (hardStatePendingInBatch || storage.completedSeq() < gateSeq) {
                storageOps.add(a);
                storageOpsGateSends = true;
            } else {
                snapshotOps.add(a);
            }
        } else if (a instanceof Action.TakeSnapshot) {
            applyTasks.add(new ApplyTask.Capture((Action.TakeSnapshot) a)); // item 6: in order with Apply
        } else if (a instanceof Action.RestoreSnapshot) {
            applyTasks.add(new ApplyTask.Restore(((Action.RestoreSnapshot) a).snapshot())); // item 8
        } else if (a instanceof Action.ProposalUnknown) {
            onUnknown((Action.ProposalUnknown) a);
        } else if (a instanceof Action.TransferOutcome) {
            onTransferOutcome((Action.TransferOutcome) a);
        } else {
            throw new IllegalStateException("node " + nodeId + " cannot carry out action " + a);
        }
    }

    private void onApply(List<LogEntry> entries) {
        PendingRequest.Proposal[] waiters = null;
        if (!proposalsByIndex.isEmpty()) {
            for (int i = 0; i < entries.size(); i++) {
                LogEntry e = entries.get(i);
                PendingRequest.Proposal p = proposalsByIndex.remove(e.index());
                if (p != null) {
                    if (waiters == null) {
                        waiters = new PendingRequest.Proposal[entries.size()];
                    }
                    // The applier checks the term: a different term at this index means the proposal was dropped.
                    waiters[i] = p;
                }
            }
        }
        applyTasks.add(new ApplyTask.Entries(entries, waiters));
    }

    private void onAccepted(Action.ProposalAccepted a) {
        PendingRequest.Proposal p = proposalOf(a);
        counters.proposalsAccepted.incrementAndGet();
        p.index = a.index();
        p.term = a.term();
        PendingRequest.Proposal previous = proposalsByIndex.put(a.index(), p);
        if (previous != null && previous.future.completeExceptionally(new java.util.concurrent.TimeoutException(
                "outcome unknown: proposal at index " + previous.index + " term " + previous.term
                        + " is no longer tracked once a proposal of term " + a.term()
                        + " took its index here; another leader may still commit it"))) {
            // Not "dropped": its entry may survive on other nodes and commit; only the core knows, from what commits.
            counters.proposalsDropped.incrementAndGet();
        }
        byDeadline.add(p);
    }

    private void onRejected(Action.ProposalRejected a) {
        PendingRequest.Proposal p = proposalOf(a);
        counters.proposalsRejected.incrementAndGet();
        byDeadline.add(p); // so that it still times out if the apply thread is stuck
        RaftException cause = switch (a.reason()) {
            case OVERLOADED -> new OverloadedException("node " + nodeId
                    + " has too many uncommitted bytes in flight; retry later");
            case MEMBERSHIP_CHANGE_IN_PROGRESS -> new MembershipChangeException(
                    MembershipChangeException.Reason.CHANGE_IN_PROGRESS, "node " + nodeId + ": " + a.detail());
            case INVALID_MEMBERSHIP_CHANGE -> new MembershipChangeException(
                    MembershipChangeException.Reason.INVALID_CHANGE, "node " + nodeId + ": " + a.detail());
            // LEADERSHIP_TRANSFER: leadership is moving to the hint; the caller retries there.
            default -> new NotLeaderException(nodeId, a.leaderHint());
        };
        applyTasks.add(new ApplyTask.Fail(p.future, cause));
    }

    private void onDropped(Action.ProposalDropped a) {
        PendingRequest.Proposal p = proposalsByIndex.get(a.index());
        if (p != null && p.term == a.term()) {
            proposalsByIndex.remove(a.index());
            fail(p, new ProposalDroppedException("proposal at index " + a.index() + " term " + a.term()
                    + " will never be applied: another entry committed at its index or before it"));
        }
    }

    private void onUnknown(Action.ProposalUnknown a) {
        PendingRequest.Proposal p = proposalsByIndex.get(a.index());
        if (p != null && p.term == a.term()) {
            proposalsByIndex.remove(a.index());
            counters.proposalsUnknown.incrementAndGet();
            applyTasks.add(new ApplyTask.Fail(p.future, new OutcomeUnknownException("outcome of the proposal at index "
                    + a.index() + " term " + a.term() + " is unknown: node " + nodeId + " installed a snapshot "
                    + "covering it before applying it; it may or may not have taken effect, retry it idempotently")));
        }
    }

    private void fail(PendingRequest.Proposal p, RaftException cause) {
        counters.proposalsDropped.incrementAndGet();
        applyTasks.add(new ApplyTask.Fail(p.future, cause));
    }

    private void onRoleChanged(Action.RoleChanged a) {
        counters.roleChanges.incrementAndGet();
        log.info("node {} is {} in term {}, leader {}", nodeId, a.role(), a.term(),
                a.leaderId() == 0 ? "unknown" : a.leaderId());
        // Tell listeners about a new leader, or about losing it, but not about every term a candidate tries.
        boolean changed = a.leaderId() != notifiedLeader || (a.leaderId() != 0 && a.term() != notifiedTerm);
        if (changed) {
            if (a.leaderId() != 0) {
                counters.leaderChanges.incrementAndGet();
            }
            notifiedLeader = a.leaderId();
            notifiedTerm = a.term();
            applyTasks.add(new ApplyTask.LeaderChange(a.leaderId(), a.term()));
        }
    }

    /** Fails, with a TimeoutException, every request whose deadline has passed. */
    private void expireOverdue(long now) {
        PendingRequest p;
        while ((p = byDeadline.peek()) != null) {
            if (!p.future.isDone()) {
                if (now - p.deadlineNanos < 0) {
                    return;
                }
                expire(p);
            }
            byDeadline.poll();
        }
    }

    private void expire(PendingRequest p) {
        String what;
        if (p instanceof PendingRequest.Proposal) {
            PendingRequest.Proposal proposal = (PendingRequest.Proposal) p;
            proposalsByIndex.remove(proposal.index, proposal);
            what = "proposal at index " + proposal.index + " term " + proposal.term + " was not applied";
        } else if (p instanceof PendingRequest.Transfer) {
            PendingRequest.Transfer transfer = (PendingRequest.Transfer) p;
            transfersById.remove(transfer.requestId, transfer);
            what = "leadership transfer to node " + transfer.target + " was not done";
        } else {
            PendingRequest.Read read = (PendingRequest.Read) p;
            readsById.remove(read.readId, read);
            what = read.consistency + " read " + read.readId + " was not served";
        }
        if (p.future.completeExceptionally(new TimeoutException(what + " before its deadline on node " + nodeId))) {
            counters.requestsTimedOut.incrementAndGet();
        }
    }

    private void flush() {
        if (!storageOps.isEmpty()) {
            long seq = ++storageSeq;
            storage.submit(new StorageWriter.Batch(seq, storageOps));
            if (storageOpsGateSends) {
                gateSeq = seq;
            }
            storageOps = new ArrayList<>();
            storageOpsGateSends = false;
        }
        hardStatePendingInBatch = false;
        if (!directSends.isEmpty()) {
            for (int i = 0, n = directSends.size(); i < n; i++) {
                transport.send(directSends.get(i));
            }
            counters.messagesSent.addAndGet(directSends.size());
            directSends.clear();
        }
        if (!snapshotOps.isEmpty()) {
            for (int i = 0, n = snapshotOps.size(); i < n; i++) {
                Action a = snapshotOps.get(i);
                if (a instanceof Action.WriteSnapshotChunk) {
                    snapshotWorker.submit(new SnapshotWorker.Chunk((Action.WriteSnapshotChunk) a));
                } else {
                    snapshotSender.submit((Action.SendSnapshotChunk) a);
                }
            }
            snapshotOps.clear();
        }
        if (!applyTasks.isEmpty()) {
            applier.submit(applyTasks);
            applyTasks = new ArrayList<>();
        }
        status = core.status();
        inflight = proposalsByIndex.size() + readsById.size();
        Membership membership = status.membership();
        if (!membership.equals(knownMembership)) {
            knownMembership = membership;
            membershipChanged(membership);
        }
    }

    /** A configuration took effect: the transport learns its members (an empty one keeps the bootstrap peers). */
    private void membershipChanged(Membership membership) {
        log.info("node {}: configuration voters={} learners={}{}", nodeId, membership.voterIds(),
                membership.learnerIds(), membership.isJoint() ? " joint with outgoing voters "
                        + membership.outgoingVoters().stream().map(Membership.Member::id).toList() : "");
        if (membership.isEmpty()) {
            return;
        }
        Map<Long, String> endpoints = new HashMap<>();
        for (List<Membership.Member> list : List.of(membership.voters(), membership.outgoingVoters(),
                membership.learners())) {
            for (Membership.Member m : list) {
                endpoints.put(m.id(), m.endpoint());
            }
        }
        transport.updatePeers(endpoints);
    }

    /**
     * Fails every request still queued or registered here; call only once the loop thread has terminated (or never
     * started).
     */
    void failRemaining(Throwable cause) {
        Object input;
        while ((input = inbox.poll()) != null) {
            if (input instanceof PendingRequest) {
                ((PendingRequest) input).future.completeExceptionally(cause);
            }
        }
        for (PendingRequest p : byDeadline) {
            p.future.completeExceptionally(cause);
        }
        for (ApplyTask t : applyTasks) {
            if (t instanceof ApplyTask.Fail) {
                ((ApplyTask.Fail) t).future().completeExceptionally(cause);
            } else if (t instanceof ApplyTask.Complete) {
                ((ApplyTask.Complete) t).future().completeExceptionally(cause);
            }
        }
        byDeadline.clear();
        transfersById.clear();
        proposalsByIndex.clear();
        readsById.clear();
        inflight = 0;
    }
}
