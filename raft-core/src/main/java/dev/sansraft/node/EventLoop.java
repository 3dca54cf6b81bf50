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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
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
 * send (through the storage thread) since both end in a send.
 *
 * <p>Outcomes: a proposal waits here by its accepted index until the core decides its fate. An {@link Action.Apply}
 * of an entry with its term completes it with the result; an entry of another term at its index, or
 * {@link Action.ProposalDropped}, fails it with {@link ProposalDroppedException} (certainly not applied);
 * {@link Action.ProposalUnknown} fails it with {@link OutcomeUnknownException}. Two proposals may wait at one index
 * (one from an earlier leadership whose entry this node lost, which may still commit elsewhere), so neither is given
 * up on until the core decides: only what is committed tells which one, if any, took effect.
 *
 * <p>Timeouts: requests are queued in deadline order (every request gets the same timeout); each tick expires the
 * overdue ones wherever they are, so no future outlives its deadline by more than a tick while the loop runs. An
 * overdue accepted proposal fails with {@link OutcomeUnknownException} (its cause a {@link TimeoutException}), an
 * overdue read with {@link TimeoutException}.
 *
 * <p>Closing ({@link #failRemaining}): a request still in the inbox never reached the core and fails with the node's
 * {@link NodeClosedException}, as does every pending read; an accepted proposal may already be replicated, so it fails
 * with {@link OutcomeUnknownException} (its cause the {@link NodeClosedException}); outcomes already decided keep
 * their verdict.
 *
 * <p>Bounds ({@link QueueLimits}): the loop takes room in the queued-writes budget for the entries of every storage
 * batch and in the queued-applies budget for every apply batch, and gives it back once the storage stage's
 * completed batch or the apply stage's applied index has passed them (checked at every batch, and every tick). An
 * inbound append request whose entries do not fit the inbound-payloads budget, or that arrives while writes or
 * applies are full, is queued without its entries: Raft sees a lost append, and the empty one still does a
 * heartbeat's work (election timer, commit index, read round, and a response when it is a new round or news). A
 * snapshot chunk that does not fit is dropped; the leader resends it after its chunk timeout.
 *
 * <p>Thread-safety: {@link #submit}, {@link #receive}, {@link #stop}, {@link #status()} and {@link #inflight()} from
 * any thread; everything else in the loop's rounds (its stage, see {@link NodeScheduler}), or after the stage ended
 * ({@link #failRemaining}).
 */
final class EventLoop implements NodeScheduler.Body {

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
    private final QueueBudgets budgets;
    private final ListenerQueue listeners;
    private final LongSupplier nanoTime;
    private final Consumer<Throwable> onFatal;
    private final Supplier<RaftException> closedCause;
    private final WorkQueue<Object> inbox = new WorkQueue<>();

    // Owned by the loop thread.
    /** Accepted proposals by index; a chain through {@code olderAtIndex} when several wait at one index. */
    private final Map<Long, PendingRequest.Proposal> proposalsByIndex = new HashMap<>();
    private int trackedProposals;
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
    /** The clock read once per batch for the latency histograms; 0 until the batch needs it. */
    private long batchNanos;
    private long notifiedLeader;
    private long notifiedTerm;
    /** Room taken in the queued-writes budget per storage batch, by batch sequence; oldest first. */
    private final ArrayDeque<Held> heldWrites = new ArrayDeque<>();
    /** Room taken in the queued-applies budget per apply batch, by its last index; oldest first. */
    private final ArrayDeque<Held> heldApplies = new ArrayDeque<>();

    /** Room held in a budget until {@code until} (a storage batch sequence or an applied index) is passed. */
    private record Held(long until, long entries, long bytes) {
    }

    /** An inbound message whose payload holds room in the inbound-payloads budget until the loop takes it. */
    private record InboundPayload(Event.Receive receive, long bytes) {
    }

    private volatile RaftStatus status;
    private volatile int inflight;
    /** Set by a round that failed: the loop takes nothing more (loop stage only). */
    private boolean failed;
    /** The clock reading ticks are counted from, the tick length, and the ticks stepped so far (see runRound). */
    private long tickBaseNanos;
    private long tickNanos;
    private long ticksStepped;

    EventLoop(long nodeId, ConsensusCore core, Transport transport, StorageWriter storage, Applier applier,
              SnapshotWorker snapshotWorker, SnapshotSender snapshotSender, NodeCounters counters,
              QueueBudgets budgets, ListenerQueue listeners, LongSupplier nanoTime, Consumer<Throwable> onFatal,
              Supplier<RaftException> closedCause) {
        this.nodeId = nodeId;
        this.core = core;
        this.transport = transport;
        this.storage = storage;
        this.applier = applier;
        this.snapshotWorker = snapshotWorker;
        this.snapshotSender = snapshotSender;
        this.counters = counters;
        this.budgets = budgets;
        this.listeners = listeners;
        this.nanoTime = nanoTime;
        this.onFatal = onFatal;
        this.closedCause = closedCause;
        this.status = core.status();
    }

    /**
     * Starts counting ticks of {@code tickNanos} from now; call before {@link #bind}. From then on the core is
     * stepped one {@link Event.Tick} per {@code tickNanos} the clock has moved, counted at the start of every round,
     * whatever the timer delivered: the timer's ticks only wake the loop.
     */
    void startTicks(long tickNanos) {
        this.tickNanos = tickNanos;
        this.tickBaseNanos = nanoTime.getAsLong();
    }

    void bind(NodeScheduler scheduler) {
        inbox.bind(scheduler.stage(nodeId, "loop", this));
    }

    /** Queues an {@link Event} or a {@link PendingRequest} for the loop. */
    void submit(Object input) {
        inbox.offer(input);
    }

    /** Queues like {@link #submit} without waking the loop; {@link #runHereOrWake()} must follow. */
    void submitQuietly(Object input) {
        inbox.offerQuietly(input);
    }

    /** Steps what was queued quietly: on the calling thread if the loop is idle, else by waking it. */
    void runHereOrWake() {
        inbox.runHereOrWake();
    }

    /**
     * Queues {@code event} and, if the loop is idle, steps it on the calling thread at once: for the storage thread's
     * {@code Persisted}, whose answer (a follower's append response, a leader's commit) is on every write's critical
     * path. See {@link NodeScheduler.Stage#runHere()}.
     */
    void submitAndRunHere(Event event) {
        inbox.offerAndRunHere(event);
    }

    /** The consumer to give the transport: {@link #receive}, and the burst calls of {@link InboundBurst}. */
    InboundBurst inbound() {
        return new InboundBurst() {
            @Override
            public void accept(Message message) {
                receive(message);
            }

            @Override
            public void acceptInBurst(Message message) {
                receiveInBurst(message);
            }

            @Override
            public void endOfBurst() {
                endOfInboundBurst();
            }
        };
    }

    /**
     * The transport's inbound consumer: queues a message addressed to this node, shedding its payload when the node
     * is full (see the class comment). Never blocks.
     */
    void receive(Message message) {
        Object input = inboundInput(message);
        if (input != null) {
            inbox.offer(input);
        }
    }

    /** As {@link #receive}, without waking the loop: {@link #endOfInboundBurst()} follows ({@link InboundBurst}). */
    void receiveInBurst(Message message) {
        Object input = inboundInput(message);
        if (input != null) {
            inbox.offerQuietly(input);
        }
    }

    /** Steps the messages received in a burst on the calling thread if the loop is idle, else wakes it. */
    void endOfInboundBurst() {
        runHereOrWake();
    }

    /** What the loop queues for an inbound message; null to drop it. */
    private Object inboundInput(Message message) {
        if (message.to() != nodeId) {
            log.debug("node {} drops a message addressed to node {}: {}", nodeId, message.to(), message);
            return null;
        }
        if (message instanceof Message.AppendRequest && !((Message.AppendRequest) message).entries().isEmpty()) {
            Message.AppendRequest a = (Message.AppendRequest) message;
            long bytes = 0;
            for (int i = 0, n = a.entries().size(); i < n; i++) {
                bytes += a.entries().get(i).sizeBytes();
            }
            if (budgets.backedUp() == null && budgets.inboundPayloads.tryAcquire(1, bytes)) {
                return new InboundPayload(new Event.Receive(message), bytes);
            }
            counters.inboundPayloadsShed.incrementAndGet();
            return new Event.Receive(new Message.AppendRequest(a.from(), a.to(), a.term(), a.prevLogIndex(),
                    a.prevLogTerm(), List.of(), a.leaderCommit(), a.round(), a.roundAwaited()));
        }
        if (message instanceof Message.InstallSnapshot) {
            long bytes = ((Message.InstallSnapshot) message).data().length;
            if (budgets.backedUp() == null && budgets.inboundPayloads.tryAcquire(1, bytes)) {
                return new InboundPayload(new Event.Receive(message), bytes);
            }
            counters.inboundPayloadsShed.incrementAndGet();
            log.debug("node {} sheds a snapshot chunk: it is full", nodeId);
            return null;
        }
        return new Event.Receive(message);
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

    /** One batch: every queued input up to {@link #MAX_BATCH}, stepped at once, then its actions flushed. */
    @Override
    public boolean runRound() {
        if (failed) {
            return false;
        }
        Object input = inbox.take();
        if (input == null) {
            return false;
        }
        try {
            // The ticks the clock owes come first, so that whatever this batch asks (a lease read above all) is
            // answered as of now. Counting them from the timer instead would let a read queued behind late ticks (a
            // paused process, a stalled timer) be served from a lease that ran out meanwhile (thesis §6.4.1).
            stepOwedTicks();
            int n = 0;
            do {
                collect(input);
                n++;
            } while (n < MAX_BATCH && (input = inbox.take()) != null);
            stepBatch();
            counters.eventLoopBatches.incrementAndGet();
            counters.eventLoopEvents.addAndGet(n);
            flush();
        } catch (RuntimeException | Error e) {
            // The core may be half-way through a step whose actions were lost; carrying on could break safety.
            failed = true;
            onFatal.accept(e);
        }
        return true;
    }

    @Override
    public boolean hasWork() {
        return !failed && inbox.hasWork();
    }

    @Override
    public void exit() {
        // Covers close() called from a callback running in this very stage, which cannot wait for it.
        failRemaining(closedCause.get());
    }

    /** Waits for the loop's stage to end; false if it did not (see {@link NodeScheduler.Stage#awaitEnd()}). */
    boolean awaitEnd() {
        return inbox.awaitEnd();
    }

    private void stepOwedTicks() {
        if (tickNanos <= 0) {
            return;
        }
        long due = (nanoTime.getAsLong() - tickBaseNanos) / tickNanos;
        for (; ticksStepped < due; ticksStepped++) {
            events.add(Event.Tick.INSTANCE);
            tickInBatch = true;
        }
    }

    /** Turns one input into core events (client requests are registered first, so outcomes can find them). */
    private void collect(Object input) {
        if (input instanceof InboundPayload) {
            InboundPayload p = (InboundPayload) input;
            budgets.inboundPayloads.release(1, p.bytes());
            input = p.receive();
        }
        if (input instanceof Event.Tick) {
            // Only a wake-up: the ticks themselves are counted from the clock (stepOwedTicks).
            tickInBatch = true;
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
        batchNanos = 0;
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
                applyTasks.add(new ApplyTask.Fail(p.future, new OutcomeUnknownException("node " + nodeId
                        + " lost track of the proposal; it may or may not take effect"), counters.proposalsUnknown));
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
                counters.readIndexRound.observe(batchNanos() - read.createdNanos);
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
        long now = batchNanos();
        if (!proposalsByIndex.isEmpty()) {
            for (int i = 0; i < entries.size(); i++) {
                LogEntry e = entries.get(i);
                PendingRequest.Proposal p = proposalsByIndex.remove(e.index());
                for (; p != null; p = p.olderAtIndex) {
                    trackedProposals--;
                    if (p.term == e.term()) {
                        if (waiters == null) {
                            waiters = new PendingRequest.Proposal[entries.size()];
                        }
                        waiters[i] = p; // the applier checks the term again (and the entry's kind)
                        counters.proposeToCommit.observe(now - p.createdNanos);
                    } else {
                        // Raft §5.3: another entry committed at its index, so this proposal never will.
                        fail(p, new ProposalDroppedException("proposal at index " + p.index + " term " + p.term
                                + " was overwritten by an entry of term " + e.term()), counters.proposalsDropped);
                    }
                }
            }
        }
        applyTasks.add(new ApplyTask.Entries(entries, waiters, now));
    }

    private void onAccepted(Action.ProposalAccepted a) {
        PendingRequest.Proposal p = proposalOf(a);
        counters.proposalsAccepted.incrementAndGet();
        p.index = a.index();
        p.term = a.term();
        // An older proposal at this index stays tracked: its entry may survive on other nodes and commit, and the
        // core reports its fate from what commits (ProposalTracker keeps both too).
        p.olderAtIndex = proposalsByIndex.put(a.index(), p);
        trackedProposals++;
        byDeadline.add(p);
    }

    /** Removes and returns the proposal waiting at {@code index} with {@code term}, or null. */
    private PendingRequest.Proposal untrack(long index, long term) {
        PendingRequest.Proposal head = proposalsByIndex.get(index);
        PendingRequest.Proposal previous = null;
        for (PendingRequest.Proposal p = head; p != null; previous = p, p = p.olderAtIndex) {
            if (p.term == term) {
                if (previous == null) {
                    if (p.olderAtIndex == null) {
                        proposalsByIndex.remove(index);
                    } else {
                        proposalsByIndex.put(index, p.olderAtIndex);
                    }
                } else {
                    previous.olderAtIndex = p.olderAtIndex;
                }
                p.olderAtIndex = null;
                trackedProposals--;
                return p;
            }
        }
        return null;
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
        p.rejection = cause; // a timeout that beats the apply thread to it reports the same, known, outcome
        applyTasks.add(new ApplyTask.Fail(p.future, cause));
    }

    private void onDropped(Action.ProposalDropped a) {
        PendingRequest.Proposal p = untrack(a.index(), a.term());
        if (p != null) {
            fail(p, new ProposalDroppedException("proposal at index " + a.index() + " term " + a.term()
                    + " will never be applied: another entry committed at its index or before it"),
                    counters.proposalsDropped);
        }
    }

    private void onUnknown(Action.ProposalUnknown a) {
        PendingRequest.Proposal p = untrack(a.index(), a.term());
        if (p != null) {
            fail(p, new OutcomeUnknownException("outcome of the proposal at index " + a.index() + " term " + a.term()
                    + " is unknown: node " + nodeId + " installed a snapshot covering it before applying it; it may"
                    + " or may not have taken effect, retry it idempotently"), counters.proposalsUnknown);
        }
    }

    /** Fails an accepted proposal on the apply thread; {@code outcome} counts it if that is its first completion. */
    private void fail(PendingRequest.Proposal p, RaftException cause, AtomicLong outcome) {
        applyTasks.add(new ApplyTask.Fail(p.future, cause, outcome));
    }

    private void onRoleChanged(Action.RoleChanged a) {
        counters.roleChanges.incrementAndGet();
        listeners.post(l -> l.onRoleChange(a.role(), a.term(), a.leaderId()));
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
            listeners.post(l -> l.onLeaderChange(a.leaderId(), a.term()));
        }
    }

    /** The node clock, read at most once per batch: one reading stamps every commit and read of the batch. */
    private long batchNanos() {
        if (batchNanos == 0) {
            batchNanos = nanoTime.getAsLong();
        }
        return batchNanos;
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
        if (p instanceof PendingRequest.Proposal) {
            PendingRequest.Proposal proposal = (PendingRequest.Proposal) p;
            if (proposal.rejection != null) {
                // Refused, and the apply thread has not said so yet: the outcome is known, report it.
                proposal.future.completeExceptionally(proposal.rejection);
                return;
            }
            untrack(proposal.index, proposal.term);
            String what = "proposal at index " + proposal.index + " term " + proposal.term;
            TimeoutException timeout = new TimeoutException(what + " was not applied before its deadline on node "
                    + nodeId);
            if (p.future.completeExceptionally(new OutcomeUnknownException(what + " timed out on node " + nodeId
                    + "; it may or may not take effect, retry it idempotently", timeout))) {
                counters.requestsTimedOut.incrementAndGet();
                counters.proposalsUnknown.incrementAndGet();
            }
        } else if (p instanceof PendingRequest.Transfer) {
            PendingRequest.Transfer transfer = (PendingRequest.Transfer) p;
            transfersById.remove(transfer.requestId, transfer);
            if (p.future.completeExceptionally(new TimeoutException("leadership transfer to node " + transfer.target
                    + " was not done before its deadline on node " + nodeId))) {
                counters.requestsTimedOut.incrementAndGet();
            }
        } else {
            PendingRequest.Read read = (PendingRequest.Read) p;
            readsById.remove(read.readId, read);
            if (p.future.completeExceptionally(new TimeoutException(read.consistency + " read " + read.readId
                    + " was not served before its deadline on node " + nodeId))) {
                counters.requestsTimedOut.incrementAndGet();
            }
        }
    }

    private void flush() {
        releaseDone();
        if (!storageOps.isEmpty()) {
            long seq = ++storageSeq;
            holdWrites(seq, storageOps);
            storage.submit(new StorageWriter.Batch(seq, storageOps));
            if (storageOpsGateSends) {
                gateSeq = seq;
            }
            storageOps = new ArrayList<>();
            storageOpsGateSends = false;
        }
        hardStatePendingInBatch = false;
        if (!directSends.isEmpty()) {
            transport.sendAll(directSends);
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
        // Published before the applies are handed over: a caller whose future the apply stage completes must then
        // see a status at least as new (commit index, membership), or a check built on status(), such as the
        // caught-up test of promote(), could run against the round before.
        status = core.status();
        if (!applyTasks.isEmpty()) {
            holdApplies(applyTasks);
            applier.submit(applyTasks);
            applyTasks = new ArrayList<>();
        }
        inflight = trackedProposals + readsById.size();
        Membership membership = status.membership();
        if (membership != knownMembership && !membership.equals(knownMembership)) {
            knownMembership = membership;
            membershipChanged(membership);
        }
    }

    /**
     * A configuration took effect (appended, rolled back or restored): the listeners hear of it, and the transport
     * learns its members (an empty one keeps the bootstrap peers).
     */
    private void membershipChanged(Membership membership) {
        listeners.post(l -> l.onMembershipChange(membership));
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

    private void holdWrites(long seq, List<Action> ops) {
        long entries = 0;
        long bytes = 0;
        for (int i = 0, n = ops.size(); i < n; i++) {
            if (ops.get(i) instanceof Action.AppendLog) {
                List<LogEntry> appended = ((Action.AppendLog) ops.get(i)).entries();
                entries += appended.size();
                for (int j = 0, m = appended.size(); j < m; j++) {
                    bytes += appended.get(j).sizeBytes();
                }
            }
        }
        if (entries > 0) {
            budgets.queuedWrites.acquire(entries, bytes);
            heldWrites.add(new Held(seq, entries, bytes));
        }
    }

    private void holdApplies(List<ApplyTask> tasks) {
        long entries = 0;
        long bytes = 0;
        long last = 0;
        for (int i = 0, n = tasks.size(); i < n; i++) {
            if (tasks.get(i) instanceof ApplyTask.Entries) {
                List<LogEntry> batch = ((ApplyTask.Entries) tasks.get(i)).entries();
                entries += batch.size();
                for (int j = 0, m = batch.size(); j < m; j++) {
                    bytes += batch.get(j).sizeBytes();
                }
                last = batch.get(batch.size() - 1).index();
            }
        }
        if (entries > 0) {
            budgets.queuedApplies.acquire(entries, bytes);
            heldApplies.add(new Held(last, entries, bytes));
        }
    }

    /** Gives back the room of storage batches the storage thread has finished and of entries already applied. */
    private void releaseDone() {
        Held h;
        long completed = storage.completedSeq();
        while ((h = heldWrites.peek()) != null && h.until() <= completed) {
            heldWrites.poll();
            budgets.queuedWrites.release(h.entries(), h.bytes());
        }
        long applied = applier.appliedIndex();
        while ((h = heldApplies.peek()) != null && h.until() <= applied) {
            heldApplies.poll();
            budgets.queuedApplies.release(h.entries(), h.bytes());
        }
    }

    /**
     * Fails every request still queued or registered here; call only once the loop thread has terminated (or never
     * started).
     */
    void failRemaining(RaftException cause) {
        // Decided outcomes (rejections, drops, unknowns) not yet handed to the apply stage keep their own verdict.
        for (ApplyTask t : applyTasks) {
            if (t instanceof ApplyTask.Fail) {
                ApplyTask.Fail f = (ApplyTask.Fail) t;
                failOnce(f.future(), f.cause(), f.outcomeCounter());
            } else if (t instanceof ApplyTask.Complete) {
                ((ApplyTask.Complete) t).future().complete(((ApplyTask.Complete) t).value());
            }
        }
        // Never reached the core: a proposal here was never appended, so it certainly has no effect.
        Object input;
        while ((input = inbox.poll()) != null) {
            if (input instanceof PendingRequest) {
                ((PendingRequest) input).future.completeExceptionally(cause);
            }
        }
        for (PendingRequest p : byDeadline) {
            if (p instanceof PendingRequest.Proposal && ((PendingRequest.Proposal) p).rejection != null) {
                p.future.completeExceptionally(((PendingRequest.Proposal) p).rejection);
            } else if (p instanceof PendingRequest.Proposal) {
                // Accepted into the log, maybe replicated already: it may still commit through the other nodes.
                PendingRequest.Proposal proposal = (PendingRequest.Proposal) p;
                failOnce(p.future, new OutcomeUnknownException("node " + nodeId + " stopped with the proposal at"
                        + " index " + proposal.index + " term " + proposal.term + " pending; it may or may not take"
                        + " effect through the other nodes, retry it idempotently", cause), counters.proposalsUnknown);
            } else {
                p.future.completeExceptionally(cause); // a read changes nothing; a transfer is no write
            }
        }
        byDeadline.clear();
        transfersById.clear();
        proposalsByIndex.clear();
        trackedProposals = 0;
        readsById.clear();
        inflight = 0;
    }

    private static void failOnce(CompletableFuture<byte[]> future, Throwable cause, AtomicLong outcomeCounter) {
        if (future.completeExceptionally(cause) && outcomeCounter != null) {
            outcomeCounter.incrementAndGet();
        }
    }
}
