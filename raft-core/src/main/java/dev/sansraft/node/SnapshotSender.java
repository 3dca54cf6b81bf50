package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.Message;
import dev.sansraft.core.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The snapshot sender thread: carries out a leader's {@link Action.SendSnapshotChunk}s off the event loop. Each reads
 * its range of the stored snapshot with {@link SnapshotReader#readAt} and sends it as one
 * {@link Message.InstallSnapshot}; the chunk's bytes are a fresh array, since the message keeps them.
 *
 * <p>One reader stays open per peer while a transfer to it goes on, so a transfer opens its snapshot once, not once
 * per chunk. It is closed when the chunk that ends the snapshot has been sent, when the peer is sent another snapshot,
 * and when the thread stops. A snapshot the store no longer holds (a newer one replaced it) is not sent: the chunk is
 * dropped (DEBUG) and the core's bounded retries move the transfer on to the newer one. A failure to read a stored
 * snapshot is fatal to the node (fail-stop), like any storage failure.
 *
 * <p>Sends need not wait for storage: a leader's term was made durable before it campaigned, and the core paces the
 * transfer itself (action contract item 8).
 *
 * <p>Thread-safety: {@link #submit} and {@link #stop} from any thread; the rest runs on the sender thread.
 */
final class SnapshotSender implements NodeScheduler.Body {

    private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);

    private final long nodeId;
    private final SnapshotStore store;
    private final Transport transport;
    private final NodeCounters counters;
    private final ListenerQueue listeners;
    private final Consumer<Throwable> onFatal;
    private final WorkQueue<Action.SendSnapshotChunk> inbox = new WorkQueue<>();
    /** The open reader of each peer's transfer; sender-thread only. */
    private final Map<Long, SnapshotReader> readers = new HashMap<>();
    /** Set by a round that failed (sender stage only). */
    private boolean failed;

    SnapshotSender(long nodeId, SnapshotStore store, Transport transport, NodeCounters counters,
                   ListenerQueue listeners, Consumer<Throwable> onFatal) {
        this.nodeId = nodeId;
        this.store = store;
        this.transport = transport;
        this.counters = counters;
        this.listeners = listeners;
        this.onFatal = onFatal;
    }

    void bind(NodeScheduler scheduler) {
        inbox.bind(scheduler.stage(nodeId, "snapshot-sender", this));
    }

    void submit(Action.SendSnapshotChunk chunk) {
        inbox.offer(chunk);
    }

    void stop() {
        inbox.stop();
    }

    /** One chunk read and sent. */
    @Override
    public boolean runRound() {
        if (failed) {
            return false;
        }
        Action.SendSnapshotChunk chunk = inbox.take();
        if (chunk == null) {
            return false;
        }
        try {
            send(chunk);
        } catch (IOException e) {
            failed = true;
            onFatal.accept(new StorageException("node " + nodeId + " cannot read a stored snapshot; the node stops",
                    e));
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
        for (Iterator<SnapshotReader> it = readers.values().iterator(); it.hasNext(); ) {
            close(it.next());
            it.remove();
        }
    }

    boolean awaitEnd() {
        return inbox.awaitEnd();
    }

    private void send(Action.SendSnapshotChunk chunk) throws IOException {
        SnapshotInfo info = chunk.snapshot();
        SnapshotReader reader = readerFor(chunk.to(), info);
        if (reader == null) {
            log.debug("node {} drops a chunk of snapshot {} for node {}: the store no longer holds it", nodeId,
                    info.index(), chunk.to());
            return;
        }
        byte[] data = new byte[chunk.length()];
        int filled = 0;
        while (filled < data.length) {
            int n = reader.readAt(chunk.offset() + filled, data, filled, data.length - filled);
            if (n <= 0) {
                throw new IllegalStateException("node " + nodeId + " stored snapshot " + reader.meta()
                        + " ends before byte " + (chunk.offset() + filled) + ", inside the chunk [" + chunk.offset()
                        + ", +" + chunk.length() + ") of " + info);
            }
            filled += n;
        }
        transport.send(new Message.InstallSnapshot(nodeId, chunk.to(), chunk.term(), info, chunk.offset(), data));
        counters.messagesSent.incrementAndGet();
        counters.snapshotBytesSent.addAndGet(data.length);
        if (chunk.offset() + chunk.length() == info.sizeBytes()) {
            close(readers.remove(chunk.to())); // a resend after a timeout reopens it
            long follower = chunk.to();
            listeners.post(l -> l.onSnapshotSent(follower, info));
        }
    }

    /** The open reader for {@code peer}'s transfer of {@code info}, opened if needed; null when the store lost it. */
    private SnapshotReader readerFor(long peer, SnapshotInfo info) throws IOException {
        SnapshotReader reader = readers.get(peer);
        if (reader != null && reader.meta().lastIncludedIndex() == info.index()) {
            return reader;
        }
        if (reader != null) {
            close(readers.remove(peer));
        }
        Optional<SnapshotReader> opened = store.open(info.index());
        if (opened.isEmpty()) {
            return null;
        }
        reader = opened.get();
        SnapshotMeta meta = reader.meta();
        if (meta.sizeBytes() != info.sizeBytes() || meta.checksum() != info.checksum()
                || meta.lastIncludedTerm() != info.term()) {
            close(reader);
            throw new IllegalStateException("node " + nodeId + " was asked to send snapshot " + info
                    + " but its store holds " + meta + " at that index");
        }
        readers.put(peer, reader);
        return reader;
    }

    private void close(SnapshotReader reader) {
        if (reader == null) {
            return;
        }
        try {
            reader.close();
        } catch (IOException e) {
            log.warn("node {} failed to close a reader of snapshot {}", nodeId, reader.meta(), e);
        }
    }
}
