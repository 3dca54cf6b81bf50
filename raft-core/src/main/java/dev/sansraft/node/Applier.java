package dev.sansraft.node;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The apply thread: hands committed entries to the {@link StateMachine} in index order, serves queries once the
 * applied index reaches their read index (Raft thesis §6.4 step 4), and completes client futures.
 *
 * <p>Snapshots are taken and restored here too, in order with the applies ({@link StateMachineSnapshots}): a
 * snapshot sees exactly the state after the entries applied before it, and after a restore the applied index is the
 * snapshot's, so the next entry applied is the one after it.
 *
 * <p>NOOP and CONFIG entries are not given to the state machine but advance the applied index. An exception from
 * {@link StateMachine#apply} fails only that proposal's future (the same entry throws on every node, since the state
 * machine is deterministic) and the node goes on: one bad command must not stop the cluster.
 *
 * <p>Thread-safety: {@link #submit}, {@link #stop} and {@link #appliedIndex} from any thread; everything else runs on
 * the apply thread, or after it has terminated ({@link #failRemaining}).
 */
final class Applier implements NodeScheduler.Body {

    private static final Logger log = LoggerFactory.getLogger(Applier.class);

    private final long nodeId;
    private final StateMachine stateMachine;
    private final StateMachineSnapshots snapshots;
    private final List<LeaderChangeListener> listeners;
    private final NodeCounters counters;
    private final Consumer<Throwable> onFatal;
    private final Supplier<RaftException> closedCause;
    private final WorkQueue<List<ApplyTask>> inbox = new WorkQueue<>();
    private final PriorityQueue<ApplyTask.Query> waitingReads =
            new PriorityQueue<>(Comparator.comparingLong(ApplyTask.Query::readIndex));
    private volatile long appliedIndex;
    /** Set by a round that failed (apply stage only). */
    private boolean failed;
    /** The thread running a round now, else null: requests made from its callbacks wait for the round's end. */
    private volatile Thread roundThread;
    /** Whether a callback of this round queued a request for the event loop without waking it (apply stage only). */
    private boolean requestsQueued;
    /** Steps the requests the round's callbacks queued: on this thread if the loop is idle, else by waking it. */
    private Runnable requestsQueuedHook = () -> { };

    Applier(long nodeId, StateMachine stateMachine, StateMachineSnapshots snapshots,
            List<LeaderChangeListener> listeners, NodeCounters counters, Consumer<Throwable> onFatal,
            Supplier<RaftException> closedCause, long initialAppliedIndex) {
        this.nodeId = nodeId;
        this.stateMachine = stateMachine;
        this.snapshots = snapshots;
        this.listeners = listeners;
        this.counters = counters;
        this.onFatal = onFatal;
        this.closedCause = closedCause;
        this.appliedIndex = initialAppliedIndex;
    }

    void bind(NodeScheduler scheduler) {
        inbox.bind(scheduler.stage(nodeId, "apply", this));
    }

    void submit(List<ApplyTask> tasks) {
        inbox.offer(tasks);
    }

    /** What to run at the end of a round in which {@link #requestQueued()} was called; set before {@link #bind}. */
    void onRequestsQueued(Runnable hook) {
        this.requestsQueuedHook = hook;
    }

    /**
     * Whether the caller is a callback of a round on the apply thread (a future this round completed): a request it
     * makes may then be queued quietly, and {@link #requestQueued()} hands the round's requests over in one go.
     */
    boolean isInRoundOnThisThread() {
        return roundThread == Thread.currentThread();
    }

    /** A callback of this round queued a request for the event loop without waking it. Apply thread only. */
    void requestQueued() {
        requestsQueued = true;
    }

    /**
     * The highest index handed to the state machine (or skipped as NOOP/CONFIG), or the index of the snapshot it was
     * last restored from when that is higher.
     */
    long appliedIndex() {
        return appliedIndex;
    }

    void stop() {
        inbox.stop();
    }

    /** One list of tasks, as the event loop flushed it, handled in order. */
    @Override
    public boolean runRound() {
        if (failed) {
            return false;
        }
        List<ApplyTask> tasks = inbox.take();
        if (tasks == null) {
            return false;
        }
        roundThread = Thread.currentThread();
        try {
            for (ApplyTask task : tasks) {
                handle(task);
            }
        } catch (RuntimeException | Error e) {
            failed = true;
            onFatal.accept(e);
        } finally {
            roundThread = null;
            if (requestsQueued) {
                // The requests the completed futures' callbacks made (a closed loop's next proposals) reach the
                // core as one batch, stepped here when the loop is idle: one hand-off fewer per round trip.
                requestsQueued = false;
                requestsQueuedHook.run();
            }
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

    boolean awaitEnd() {
        return inbox.awaitEnd();
    }

    private void handle(ApplyTask task) {
        if (task instanceof ApplyTask.Entries) {
            apply((ApplyTask.Entries) task);
            serveReadyReads();
        } else if (task instanceof ApplyTask.Query) {
            ApplyTask.Query q = (ApplyTask.Query) task;
            if (q.readIndex() <= appliedIndex) {
                query(q.read());
            } else {
                waitingReads.add(q);
            }
        } else if (task instanceof ApplyTask.Fail) {
            ApplyTask.Fail f = (ApplyTask.Fail) task;
            if (f.future().completeExceptionally(f.cause()) && f.outcomeCounter() != null) {
                f.outcomeCounter().incrementAndGet();
            }
        } else if (task instanceof ApplyTask.Complete) {
            ApplyTask.Complete c = (ApplyTask.Complete) task;
            c.future().complete(c.value());
        } else if (task instanceof ApplyTask.LeaderChange) {
            ApplyTask.LeaderChange c = (ApplyTask.LeaderChange) task;
            for (LeaderChangeListener l : listeners) {
                try {
                    l.onLeaderChange(c.leaderId(), c.term());
                } catch (RuntimeException e) {
                    log.warn("node {} leader-change listener failed", nodeId, e);
                }
            }
        } else if (task instanceof ApplyTask.Capture) {
            snapshots.take(((ApplyTask.Capture) task).take(), appliedIndex);
        } else if (task instanceof ApplyTask.Restore) {
            restore(((ApplyTask.Restore) task).snapshot());
        } else {
            throw new IllegalStateException("unknown apply task " + task);
        }
    }

    private void apply(ApplyTask.Entries batch) {
        List<LogEntry> entries = batch.entries();
        PendingRequest.Proposal[] waiters = batch.waiters();
        long applied = appliedIndex;
        for (int i = 0; i < entries.size(); i++) {
            LogEntry e = entries.get(i);
            if (e.index() <= applied) {
                // Already applied; the core hands each committed entry over once, so this only guards replays.
                log.debug("node {} skips entry {} at or below applied index {}", nodeId, e, applied);
                continue;
            }
            if (e.index() != applied + 1) {
                throw new IllegalStateException("apply gap on node " + nodeId + ": applied index is " + applied
                        + " but the next committed entry is " + e.index());
            }
            PendingRequest.Proposal waiter = waiters == null ? null : waiters[i];
            if (e.kind() == EntryKind.NORMAL) {
                applyNormal(e, waiter);
            } else if (waiter != null && waiter.changes != null && e.kind() == EntryKind.CONFIG
                    && waiter.term == e.term()) {
                // A membership change is done once its configuration entry is committed (thesis ch. 4).
                if (waiter.future.complete(e.payload())) {
                    counters.proposalsApplied.incrementAndGet();
                }
            } else if (waiter != null) {
                drop(waiter, new ProposalDroppedException("proposal expected at index " + e.index() + " term "
                        + waiter.term + " but a " + e.kind() + " entry was committed there"));
            }
            applied = e.index();
        }
        counters.entriesApplied.addAndGet(entries.size());
        counters.commitToApply.observe(counters.nanoTime() - batch.committedNanos(), entries.size());
        appliedIndex = applied;
    }

    private void applyNormal(LogEntry e, PendingRequest.Proposal waiter) {
        byte[] result;
        try {
            result = stateMachine.apply(e);
        } catch (RuntimeException ex) {
            counters.applyErrors.incrementAndGet();
            log.warn("node {} state machine failed to apply entry {}", nodeId, e, ex);
            // Applied (committed and handed to the state machine), with the state machine's refusal as its result.
            if (waiter != null && waiter.term == e.term() && waiter.future.completeExceptionally(ex)) {
                counters.proposalsApplied.incrementAndGet();
            } else if (waiter != null && waiter.term != e.term()) {
                drop(waiter, overwritten(e, waiter));
            }
            return;
        }
        if (waiter == null) {
            return;
        }
        if (waiter.term == e.term()) {
            if (waiter.future.complete(result == null ? new byte[0] : result)) {
                counters.proposalsApplied.incrementAndGet();
            }
        } else {
            drop(waiter, overwritten(e, waiter));
        }
    }

    /** Raft §5.3: another leader's entry took the index, so this proposal's command was never committed. */
    private static ProposalDroppedException overwritten(LogEntry e, PendingRequest.Proposal waiter) {
        return new ProposalDroppedException("proposal at index " + e.index() + " term " + waiter.term
                + " was overwritten by an entry of term " + e.term());
    }

    private void drop(PendingRequest.Proposal waiter, ProposalDroppedException cause) {
        if (waiter.future.completeExceptionally(cause)) {
            counters.proposalsDropped.incrementAndGet();
        }
    }

    /**
     * Raft §7: the snapshot replaces the state, and the next entry applied is the one after its index. Reads waiting
     * for an index the snapshot covers are served from the restored state.
     */
    private void restore(SnapshotInfo snapshot) {
        if (snapshot.index() < appliedIndex) {
            throw new IllegalStateException("node " + nodeId + " was asked to restore snapshot " + snapshot
                    + " below its applied index " + appliedIndex + "; that would roll the state back");
        }
        snapshots.restore(snapshot);
        appliedIndex = snapshot.index();
        log.debug("node {} restored snapshot {}", nodeId, snapshot);
        serveReadyReads();
    }

    private void serveReadyReads() {
        ApplyTask.Query q;
        while ((q = waitingReads.peek()) != null && q.readIndex() <= appliedIndex) {
            waitingReads.poll();
            query(q.read());
        }
    }

    private void query(PendingRequest.Read read) {
        if (read.future.isDone()) {
            return; // timed out or cancelled; do not spend state-machine time on it
        }
        try {
            byte[] result = stateMachine.query(read.request);
            read.future.complete(result == null ? new byte[0] : result);
        } catch (RuntimeException ex) {
            read.future.completeExceptionally(ex);
        }
    }

    /** Fails every future still queued or waiting here; call only once the apply thread has terminated. */
    void failRemaining(RaftException cause) {
        List<ApplyTask> tasks;
        while ((tasks = inbox.poll()) != null) {
            for (ApplyTask task : tasks) {
                if (task instanceof ApplyTask.Entries) {
                    ApplyTask.Entries batch = (ApplyTask.Entries) task;
                    PendingRequest.Proposal[] waiters = batch.waiters();
                    if (waiters != null) {
                        for (int i = 0; i < waiters.length; i++) {
                            PendingRequest.Proposal p = waiters[i];
                            // Committed, so it takes effect on the other nodes; its result was never computed here.
                            if (p != null && p.future.completeExceptionally(new OutcomeUnknownException("node "
                                    + nodeId + " stopped before applying the committed proposal at index "
                                    + batch.entries().get(i).index() + "; it takes effect on the other nodes, but"
                                    + " its result is unknown here", cause))) {
                                counters.proposalsUnknown.incrementAndGet();
                            }
                        }
                    }
                } else if (task instanceof ApplyTask.Query) {
                    ((ApplyTask.Query) task).read().future.completeExceptionally(cause);
                } else if (task instanceof ApplyTask.Fail) {
                    ApplyTask.Fail f = (ApplyTask.Fail) task;
                    if (f.future().completeExceptionally(f.cause()) && f.outcomeCounter() != null) {
                        f.outcomeCounter().incrementAndGet();
                    }
                } else if (task instanceof ApplyTask.Complete) {
                    // Decided already (a finished leadership transfer): it keeps its outcome.
                    ApplyTask.Complete done = (ApplyTask.Complete) task;
                    done.future().complete(done.value());
                }
            }
        }
        ApplyTask.Query q;
        while ((q = waitingReads.poll()) != null) {
            q.read().future.completeExceptionally(cause);
        }
    }
}
