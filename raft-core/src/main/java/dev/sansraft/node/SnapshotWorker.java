package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.Membership;
import dev.sansraft.core.Event;
import dev.sansraft.core.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The snapshot thread and the one place that writes to the {@link SnapshotStore}, so that snapshot I/O never stalls
 * the event loop, the storage thread or (for state machines that can capture) the apply thread. It carries out, in the
 * order queued:
 * <ul>
 *   <li>{@link Capture}: a snapshot the apply thread captured for an {@link Action.TakeSnapshot}; it is streamed into
 *   the store, committed, and reported with {@link Event.SnapshotSaved}.</li>
 *   <li>{@link Chunk}: an {@link Action.WriteSnapshotChunk} of a snapshot received from the leader. Offset 0 abandons
 *   any unfinished received snapshot and begins a new one; the chunk's reply is sent only once its bytes are written;
 *   the last chunk is committed and reported with {@link Event.SnapshotSaved} before its reply goes out.</li>
 * </ul>
 * A state machine without {@link StateMachine#captureSnapshot()} writes on the apply thread instead, through
 * {@link #writeOnCallingThread}: the state must not change while it is written.
 *
 * <p>The store allows one open writer. A {@link Semaphore} of one permit, the writer slot, arbitrates between this
 * thread and the apply thread; this thread keeps it across the chunks of a received snapshot. The apply thread only
 * tries for it: when a received snapshot is in progress it skips its own snapshot rather than wait for a transfer that
 * may never finish (the received one, once committed, serves the same purpose).
 *
 * <p>When the store refuses a snapshot because it already holds one at that index or newer, the snapshot is skipped
 * (logged at DEBUG): the newer one was or will be reported. Any other failure of the store, an {@link IOException}
 * from the state machine's stream included, is fatal to the node (fail-stop), like a log store failure.
 *
 * <p>Thread-safety: {@link #submit}, {@link #stop} and {@link #writeOnCallingThread} from any thread; the rest runs
 * on the snapshot thread.
 */
final class SnapshotWorker implements NodeScheduler.Body {

    private static final Logger log = LoggerFactory.getLogger(SnapshotWorker.class);

    /** Work for the snapshot thread. */
    sealed interface Job permits Capture, Chunk {
    }

    /** Stream a captured state-machine snapshot taken for {@code take}. */
    record Capture(Action.TakeSnapshot take, SnapshotSource source) implements Job {
    }

    /** Write a received chunk, then send its reply. */
    record Chunk(Action.WriteSnapshotChunk write) implements Job {
    }

    private final long nodeId;
    private final SnapshotStore store;
    private final Transport transport;
    private final Consumer<Event> savedSink;
    private final NodeCounters counters;
    private final ListenerQueue listeners;
    private final Consumer<Throwable> onFatal;
    private final WorkQueue<Job> inbox = new WorkQueue<>();
    private final Semaphore writerSlot = new Semaphore(1);

    // The snapshot being received; snapshot-thread only. Non-null receiving means this thread holds the writer slot.
    private SnapshotWriter receiving;
    private SnapshotInfo receivingInfo;
    private long receivedBytes;
    /** Set by a round that failed (snapshot stage only). */
    private boolean failed;

    SnapshotWorker(long nodeId, SnapshotStore store, Transport transport, Consumer<Event> savedSink,
                   NodeCounters counters, ListenerQueue listeners, Consumer<Throwable> onFatal) {
        this.nodeId = nodeId;
        this.store = store;
        this.transport = transport;
        this.savedSink = savedSink;
        this.counters = counters;
        this.listeners = listeners;
        this.onFatal = onFatal;
    }

    void bind(NodeScheduler scheduler) {
        inbox.bind(scheduler.stage(nodeId, "snapshot", this));
    }

    void submit(Job job) {
        inbox.offer(job);
    }

    void stop() {
        inbox.stop();
    }

    /** One job: a captured snapshot streamed into the store, or one received chunk written. */
    @Override
    public boolean runRound() {
        if (failed) {
            return false;
        }
        Job job = inbox.take();
        if (job == null) {
            return false;
        }
        try {
            if (job instanceof Capture) {
                stream((Capture) job);
            } else {
                write(((Chunk) job).write());
            }
        } catch (IOException e) {
            failed = true;
            onFatal.accept(new StorageException("snapshot store of node " + nodeId + " failed; the node stops", e));
        } catch (RuntimeException | Error e) {
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
        abandonReceiving("the node stops");
    }

    boolean awaitEnd() {
        return inbox.awaitEnd();
    }

    private void stream(Capture job) throws IOException {
        Action.TakeSnapshot take = job.take();
        if (receiving != null) {
            if (receivingInfo.index() > take.index()) {
                log.debug("node {} skips its snapshot at index {}: a newer one at index {} is being received",
                        nodeId, take.index(), receivingInfo.index());
                return;
            }
            abandonReceiving("this node's own snapshot at index " + take.index() + " covers it");
        }
        writerSlot.acquireUninterruptibly();
        try {
            writeHoldingSlot(take, job.source());
        } finally {
            writerSlot.release();
        }
    }

    /**
     * Writes a snapshot of {@code take}'s position from {@code source} on the calling thread (the apply thread, for a
     * state machine that cannot capture), commits it and reports it.
     *
     * @return false when it was skipped: a received snapshot holds the writer slot, or the store already holds a
     *         snapshot at or above {@code take.index()}
     * @throws IOException                   if the store or the stream fails (fatal to the node)
     * @throws UnsupportedOperationException from {@code source}; nothing is stored
     */
    boolean writeOnCallingThread(Action.TakeSnapshot take, SnapshotSource source) throws IOException {
        if (!writerSlot.tryAcquire()) {
            log.debug("node {} skips its snapshot at index {}: a received snapshot is being written", nodeId,
                    take.index());
            return false;
        }
        try {
            return writeHoldingSlot(take, source);
        } finally {
            writerSlot.release();
        }
    }

    private boolean writeHoldingSlot(Action.TakeSnapshot take, SnapshotSource source) throws IOException {
        SnapshotWriter writer = begin(take.index(), take.term(), take.membership(), "its own");
        if (writer == null) {
            return false;
        }
        SnapshotMeta meta;
        try (writer) {
            source.writeTo(writer);
            meta = writer.commit();
        }
        counters.snapshotsTaken.incrementAndGet();
        counters.snapshotBytesWritten.addAndGet(meta.sizeBytes());
        SnapshotInfo taken = new SnapshotInfo(meta.lastIncludedIndex(), meta.lastIncludedTerm(), meta.membership(),
                meta.sizeBytes(), meta.checksum());
        report(taken);
        listeners.post(l -> l.onSnapshotTaken(taken));
        return true;
    }

    private void write(Action.WriteSnapshotChunk chunk) throws IOException {
        SnapshotInfo info = chunk.snapshot();
        byte[] data = chunk.data();
        if (chunk.offset() == 0) {
            abandonReceiving("a transfer of the snapshot at index " + info.index() + " starts");
            writerSlot.acquireUninterruptibly();
            SnapshotWriter writer;
            try {
                writer = begin(info.index(), info.term(), info.membership(), "a received");
            } catch (IOException | RuntimeException | Error e) {
                writerSlot.release();
                throw e;
            }
            if (writer == null) {
                writerSlot.release();
                return; // no reply: the leader's retries and heartbeats sort it out
            }
            receiving = writer;
            receivingInfo = info;
            receivedBytes = 0;
        } else if (receiving == null || !receivingInfo.equals(info) || chunk.offset() > receivedBytes) {
            // Our own snapshot or a newer transfer replaced this one; the leader resends from our confirmed offset.
            log.debug("node {} drops the chunk at offset {} of snapshot {}: it does not continue a snapshot being "
                    + "received here ({} at {} bytes)", nodeId, chunk.offset(), info, receivingInfo, receivedBytes);
            return;
        }
        // The core sends only contiguous chunks; a resent chunk overlapping what is held is written from the gap on.
        int skip = (int) (receivedBytes - chunk.offset());
        if (skip < data.length) {
            receiving.write(data, skip, data.length - skip);
            receivedBytes += data.length - skip;
            counters.snapshotBytesReceived.addAndGet(data.length - skip);
        }
        if (receivedBytes == info.sizeBytes()) {
            commitReceived();
        }
        transport.send(chunk.reply());
        counters.messagesSent.incrementAndGet();
    }

    private void commitReceived() throws IOException {
        SnapshotWriter writer = receiving;
        SnapshotInfo info = receivingInfo;
        receiving = null;
        receivingInfo = null;
        SnapshotMeta meta;
        try (writer) {
            meta = writer.commit();
        } finally {
            writerSlot.release();
        }
        if (meta.sizeBytes() != info.sizeBytes() || meta.checksum() != info.checksum()
                || meta.lastIncludedIndex() != info.index() || meta.lastIncludedTerm() != info.term()) {
            // The core checked every chunk's CRC against info, so the store must have committed other bytes.
            throw new IllegalStateException("node " + nodeId + " committed received snapshot " + info
                    + " but the store recorded " + meta);
        }
        counters.snapshotsReceived.incrementAndGet();
        report(info);
    }

    /** Begins a writer, or returns null when the store already holds a snapshot at or above {@code index}. */
    private SnapshotWriter begin(long index, long term, Membership membership, String whose) throws IOException {
        try {
            return store.begin(index, term, membership);
        } catch (IllegalArgumentException e) {
            long newest = store.newest().map(SnapshotMeta::lastIncludedIndex).orElse(0L);
            if (newest < index) {
                throw e;
            }
            log.debug("node {} skips {} snapshot at index {}: the store already holds one at index {}", nodeId,
                    whose, index, newest);
            return null;
        }
    }

    private void report(SnapshotInfo info) {
        counters.lastSnapshotIndex.accumulateAndGet(info.index(), Math::max);
        savedSink.accept(new Event.SnapshotSaved(info));
    }

    private void abandonReceiving(String why) {
        if (receiving == null) {
            return;
        }
        log.debug("node {} abandons received snapshot {} at {} bytes: {}", nodeId, receivingInfo, receivedBytes, why);
        receiving.abort();
        receiving = null;
        receivingInfo = null;
        writerSlot.release();
    }
}
