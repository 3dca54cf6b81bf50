package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.LogEntry;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The storage thread: performs log writes and hard-state saves in the order the event loop emitted them, with group
 * commit, and sends the messages that had to wait for a hard-state save.
 *
 * <p>Each round drains every queued {@link Batch}, performs its actions in order and then calls
 * {@link LogStore#sync()} once for all the log writes of the round; only after that sync returns does it post
 * {@link Event.Persisted}{@code (index, term, epoch)} of the round's newest {@link Action.AppendLog} back to the event
 * loop (action contract rule 2), which steps it on this thread when it is idle ({@link NodeScheduler.Stage#runHere()}).
 * {@link LogStore#saveHardState} is durable when it returns, so a {@link Action.Send} queued after a
 * {@link Action.PersistHardState} goes out right after the save, before the round's log sync (rule 1; rule 3 lets
 * sends ignore log writes). Routing hard-state saves through this thread also keeps the store single-writer.
 * Snapshot chunk writes and sends that had to wait are handed on to the snapshot threads the same way, since a chunk
 * write's reply is a send.
 *
 * <p>{@link Action.CompactLog} and {@link Action.ResetLog} are log writes in order with the others (contract item 7).
 * A reset is synced with the round; a compaction need not be, since a crash before it only leaves a longer log.
 *
 * <p>An {@link IOException} or runtime failure of the store is fatal: the writer stops and reports it once
 * (fail-stop), so nothing after the failure is ever acknowledged.
 *
 * <p>Thread-safety: {@link #submit}, {@link #stop} and {@link #completedSeq} from any thread; the rest runs in the
 * storage stage's rounds (see {@link NodeScheduler}).
 */
final class StorageWriter implements NodeScheduler.Body {

    /** Actions of one event-loop batch, numbered in submission order starting at 1. */
    record Batch(long seq, List<Action> actions) {
    }

    private final long nodeId;
    private final LogStore store;
    private final Transport transport;
    private final SnapshotWorker snapshotWorker;
    private final SnapshotSender snapshotSender;
    private final Consumer<Event> persistedSink;
    private final NodeCounters counters;
    private final LongSupplier nanoTime;
    private final Consumer<Throwable> onFatal;
    private final WorkQueue<Batch> inbox = new WorkQueue<>();
    /** The newest append of the current round; storage-thread only. */
    private Action.AppendLog lastAppend;
    /** Entries appended in the current group-commit round, for the sync batch-size histogram. */
    private int roundEntries;
    private volatile long completedSeq;
    /** Set by a round that failed: fail-stop, nothing after the failure is performed (storage stage only). */
    private boolean failed;

    StorageWriter(long nodeId, LogStore store, Transport transport, SnapshotWorker snapshotWorker,
                  SnapshotSender snapshotSender, Consumer<Event> persistedSink, NodeCounters counters,
                  LongSupplier nanoTime, Consumer<Throwable> onFatal) {
        this.nodeId = nodeId;
        this.store = store;
        this.transport = transport;
        this.snapshotWorker = snapshotWorker;
        this.snapshotSender = snapshotSender;
        this.persistedSink = persistedSink;
        this.counters = counters;
        this.nanoTime = nanoTime;
        this.onFatal = onFatal;
    }

    void bind(NodeScheduler scheduler) {
        inbox.bind(scheduler.stage(nodeId, "storage", this));
    }

    void submit(Batch batch) {
        inbox.offer(batch);
    }

    /** The seq of the last batch whose every action has been carried out (and whose log writes are durable). */
    long completedSeq() {
        return completedSeq;
    }

    void stop() {
        inbox.stop();
    }

    /** One group-commit round: every batch queued, performed in order, then one sync. */
    @Override
    public boolean runRound() {
        if (failed) {
            return false;
        }
        Batch batch = inbox.take();
        if (batch == null) {
            return false;
        }
        try {
            writeRound(batch);
        } catch (IOException | RuntimeException | Error e) {
            failed = true;
            onFatal.accept(new StorageException("log store of node " + nodeId + " failed; the node stops", e));
        }
        return true;
    }

    @Override
    public boolean hasWork() {
        return !failed && inbox.hasWork();
    }

    @Override
    public void exit() {
        // Nothing to fail: batches hold no futures, and a stopped node acknowledges nothing more.
    }

    boolean awaitEnd() {
        return inbox.awaitEnd();
    }

    /** Performs {@code first} and every batch queued behind it, then syncs once. */
    private void writeRound(Batch first) throws IOException {
        boolean wroteLog = false;
        lastAppend = null;
        roundEntries = 0;
        long lastSeq = first.seq();
        for (Batch b = first; b != null; b = inbox.take()) {
            counters.storageBatches.incrementAndGet();
            for (Action a : b.actions()) {
                wroteLog |= perform(a);
            }
            lastSeq = b.seq();
        }
        if (wroteLog) {
            long start = nanoTime.getAsLong();
            store.sync();
            long syncNanos = nanoTime.getAsLong() - start;
            counters.storageSyncNanos.addAndGet(syncNanos);
            counters.syncDuration.observe(syncNanos);
            counters.syncBatchEntries.observe(roundEntries);
            counters.storageSyncs.incrementAndGet();
        }
        // Before the Persisted report: the loop may step it on this thread at once, and must then already see these
        // batches done (their queued-writes room given back, sends gated on their hard state released).
        completedSeq = lastSeq;
        if (wroteLog && lastAppend != null) {
            LogEntry last = lastAppend.entries().get(lastAppend.entries().size() - 1);
            persistedSink.accept(new Event.Persisted(last.index(), last.term(), lastAppend.epoch()));
        }
    }

    /** Carries out one action; true when it changed the log. */
    private boolean perform(Action a) throws IOException {
        if (a instanceof Action.AppendLog) {
            lastAppend = (Action.AppendLog) a;
            List<LogEntry> entries = lastAppend.entries();
            store.append(entries);
            counters.storageEntriesWritten.addAndGet(entries.size());
            roundEntries += entries.size();
            return true;
        }
        if (a instanceof Action.TruncateLog) {
            store.truncateSuffix(((Action.TruncateLog) a).fromIndex());
            return true;
        }
        if (a instanceof Action.CompactLog) {
            // Need not be durable: after a crash the longer log is still correct, and the core never reads it again.
            store.compactPrefix(((Action.CompactLog) a).upToIndex());
            counters.logCompactions.incrementAndGet();
            return false;
        }
        if (a instanceof Action.ResetLog) {
            Action.ResetLog reset = (Action.ResetLog) a;
            store.resetTo(reset.index(), reset.term());
            counters.logResets.incrementAndGet();
            // Appends before the reset are gone; only those after it may be reported persisted.
            lastAppend = null;
            return true;
        }
        if (a instanceof Action.PersistHardState) {
            store.saveHardState(((Action.PersistHardState) a).state());
            counters.hardStateSaves.incrementAndGet();
            return false;
        }
        if (a instanceof Action.Send) {
            transport.send(((Action.Send) a).message());
            counters.messagesSent.incrementAndGet();
            return false;
        }
        if (a instanceof Action.WriteSnapshotChunk) {
            // Its reply is a send too: hand it on only now that the hard state saved before it is durable.
            snapshotWorker.submit(new SnapshotWorker.Chunk((Action.WriteSnapshotChunk) a));
            return false;
        }
        if (a instanceof Action.SendSnapshotChunk) {
            snapshotSender.submit((Action.SendSnapshotChunk) a);
            return false;
        }
        throw new IllegalStateException("storage thread of node " + nodeId + " cannot perform " + a);
    }
}
