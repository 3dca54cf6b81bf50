package dev.sansraft.transport.tcp;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.Message.AppendRequest;
import dev.sansraft.core.Message.InstallSnapshot;
import dev.sansraft.core.SnapshotInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Snapshot chunks over real loopback sockets, next to ordinary replication traffic. */
@Timeout(90)
class SnapshotStreamTest {

    private static final int CHUNK_BYTES = 1 << 20;
    private static final int CHUNKS = 64;
    /** Chunks in flight, as the leader's {@code RaftConfig.snapshotChunksInFlight} default would allow. */
    private static final int CHUNK_WINDOW = 4;
    private static final int APPEND_WINDOW = 512;
    private static final int HEARTBEAT_WINDOW = 64;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long SEED = 20_261_126L;

    /**
     * Node 1 streams a 64 MiB snapshot to node 2 in 1 MiB chunks while it keeps replicating to node 3 and sending
     * heartbeats to node 2, all with default transport settings. Every chunk arrives whole and in order (the CRC32C
     * of the reassembled payload matches), node 2 sees chunks and heartbeats in send order, and node 3 keeps
     * receiving appends while the transfer is under way.
     */
    @Test
    void sixtyFourMebibyteSnapshotStreamsInOrderWhileAppendsToAnotherPeerKeepFlowing() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        ServerSocketChannel l3 = Loopback.bind();
        SnapshotInfo snapshot = new SnapshotInfo(1_000_000, 7, List.of(1L, 2L, 3L), (long) CHUNKS * CHUNK_BYTES,
                expectedChecksum());
        SnapshotReceiver node2 = new SnapshotReceiver(snapshot);
        AppendReceiver node3 = new AppendReceiver(node2);
        try (TcpTransport t1 = Loopback.builder(1, l1).peer(2, Loopback.address(l2)).peer(3, Loopback.address(l3))
                .build();
             TcpTransport t2 = Loopback.builder(2, l2).peer(1, Loopback.address(l1)).build();
             TcpTransport t3 = Loopback.builder(3, l3).peer(1, Loopback.address(l1)).build()) {
            t2.start(node2);
            t3.start(node3);
            t1.start(m -> { });

            List<String> sentToNode2 = new ArrayList<>();
            int chunksSent = 0;
            long heartbeats = 0;
            long appends = 0;
            long appendsSentDuringTransfer = 0;
            byte[] entry = new byte[128];
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (node2.chunks.get() < CHUNKS) {
                boolean progressed = false;
                if (chunksSent < CHUNKS && chunksSent - node2.chunks.get() < CHUNK_WINDOW) {
                    long offset = (long) chunksSent * CHUNK_BYTES;
                    t1.send(new InstallSnapshot(1, 2, 7, snapshot, offset, chunk(chunksSent)));
                    sentToNode2.add("chunk@" + offset);
                    chunksSent++;
                    progressed = true;
                }
                if (appends - node3.appends.get() < APPEND_WINDOW) {
                    boolean duringTransfer = chunksSent > 0 && node2.chunks.get() < CHUNKS;
                    t1.send(new AppendRequest(1, 3, 7, appends, 7, List.of(LogEntry.normal(appends + 1, 7, entry)),
                            appends, appends));
                    appends++;
                    appendsSentDuringTransfer += duringTransfer ? 1 : 0;
                    progressed = true;
                }
                if (heartbeats - node2.heartbeats.get() < HEARTBEAT_WINDOW) {
                    t1.send(Loopback.heartbeat(1, 2, heartbeats));
                    sentToNode2.add("heartbeat " + heartbeats);
                    heartbeats++;
                    progressed = true;
                }
                if (System.nanoTime() - deadline > 0) {
                    fail("transfer incomplete after " + WAIT + ": " + node2.chunks.get() + " chunks in, "
                            + t1.counters());
                }
                if (!progressed) {
                    LockSupport.parkNanos(20_000);
                }
            }
            long appendsSent = appends;
            long heartbeatsSent = heartbeats;
            Poll.until(() -> node3.appends.get() == appendsSent && node2.heartbeats.get() == heartbeatsSent, WAIT,
                    () -> "appends and heartbeats delivered: " + t1.counters());

            assertThat(node2.violation.get()).as("node 2's stream").isNull();
            assertThat(node3.violation.get()).as("node 3's stream").isNull();
            assertThat(node2.bytes).as("payload bytes reassembled").isEqualTo(snapshot.sizeBytes());
            assertThat(node2.crc.getValue()).as("CRC32C of the reassembled payload").isEqualTo(snapshot.checksum());
            assertThat(new ArrayList<>(node2.arrivals)).as("node 2 receives chunks and heartbeats in send order")
                    .isEqualTo(sentToNode2);
            assertThat(appendsSentDuringTransfer).as("appends to node 3 sent while the snapshot was streaming")
                    .isGreaterThanOrEqualTo(CHUNKS / 2);
            assertThat(node3.arrivedDuringTransfer.get())
                    .as("appends node 3 received after node 2 had its first chunk and before it had the last")
                    .isPositive();
            // The sender counts a message once its write returns, which may be after the receiver has it.
            long expectedSent = CHUNKS + heartbeatsSent + appendsSent;
            Poll.until(() -> t1.counters().messagesSent() >= expectedSent, WAIT,
                    () -> "sender counts every message: " + t1.counters());
            TransportCounters c1 = t1.counters();
            assertThat(c1.messagesDropped()).as("nothing dropped: %s", c1).isZero();
            assertThat(c1.snapshotChunksDropped()).isZero();
            assertThat(c1.messagesSent()).isEqualTo(expectedSent);
            assertThat(t2.counters().decodeErrors() + t3.counters().decodeErrors()).isZero();
        }
    }

    @Test
    void chunksBeyondThePerPeerSnapshotBoundAreDroppedWhileOtherMessagesStillQueue() {
        int frame = (int) MessageCodec.installSnapshotFrameBytes(3, CHUNK_BYTES);
        SnapshotInfo snapshot = new SnapshotInfo(9, 2, List.of(1L, 2L, 3L), 10L * CHUNK_BYTES, 0);
        // Neither peer is reachable, so everything sent stays queued and the bounds alone decide.
        try (TcpTransport bounded = Loopback.builder(1, Loopback.bind()).peer(2, Loopback.closedPort())
                .peer(3, Loopback.closedPort()).maxQueuedSnapshotBytesPerPeer(3L * CHUNK_BYTES)
                .build()) {
            for (int i = 0; i < 10; i++) {
                bounded.send(new InstallSnapshot(1, 2, 2, snapshot, (long) i * CHUNK_BYTES, new byte[CHUNK_BYTES]));
                bounded.send(Loopback.heartbeat(1, 2, i));
            }
            TransportCounters c = bounded.counters();
            assertThat(c.snapshotChunksDropped()).as("two chunks fit 3 MiB, a third would not: %s", c).isEqualTo(8);
            assertThat(c.messagesDropped()).as("the refused chunks are dropped messages too").isEqualTo(8);
            assertThat(c.queuedMessages()).as("two chunks and every heartbeat").isEqualTo(12);
            assertThat(c.queuedBytes()).as("a heartbeat frame is 71 bytes").isEqualTo(2L * frame + 10 * 71);
        }
        try (TcpTransport tiny = Loopback.builder(1, Loopback.bind()).peer(2, Loopback.closedPort())
                .maxQueuedSnapshotBytesPerPeer(1).build()) {
            tiny.send(new InstallSnapshot(1, 2, 2, snapshot, 0, new byte[CHUNK_BYTES]));
            tiny.send(new InstallSnapshot(1, 2, 2, snapshot, CHUNK_BYTES, new byte[CHUNK_BYTES]));
            assertThat(tiny.counters().queuedMessages()).as("a chunk is always taken when none is queued")
                    .isEqualTo(1);
            assertThat(tiny.counters().snapshotChunksDropped()).isEqualTo(1);
        }
    }

    private static byte[] chunk(int i) {
        byte[] data = new byte[CHUNK_BYTES];
        new SplittableRandom(SEED + i).nextBytes(data);
        return data;
    }

    private static long expectedChecksum() {
        CRC32C crc = new CRC32C();
        for (int i = 0; i < CHUNKS; i++) {
            crc.update(chunk(i));
        }
        return crc.getValue();
    }

    /** Node 2: reassembles the snapshot's checksum and records the order of everything from node 1. */
    private static final class SnapshotReceiver implements Consumer<Message> {
        final SnapshotInfo snapshot;
        final CRC32C crc = new CRC32C();
        final AtomicInteger chunks = new AtomicInteger();
        final AtomicLong heartbeats = new AtomicLong();
        final ConcurrentLinkedQueue<String> arrivals = new ConcurrentLinkedQueue<>();
        final AtomicReference<String> violation = new AtomicReference<>();
        /** Written by node 2's selector thread only; read after the last chunk's count is seen. */
        volatile long bytes;

        SnapshotReceiver(SnapshotInfo snapshot) {
            this.snapshot = snapshot;
        }

        @Override
        public void accept(Message m) {
            if (m instanceof InstallSnapshot) {
                InstallSnapshot chunk = (InstallSnapshot) m;
                if (chunk.offset() != bytes || !chunk.snapshot().equals(snapshot)
                        || chunk.data().length != CHUNK_BYTES) {
                    violation.compareAndSet(null, "chunk at " + chunk.offset() + " of " + chunk.data().length
                            + " bytes after " + bytes + " bytes, snapshot " + chunk.snapshot());
                }
                crc.update(chunk.data());
                bytes += chunk.data().length;
                arrivals.add("chunk@" + chunk.offset());
                chunks.incrementAndGet();
            } else {
                long round = ((AppendRequest) m).round();
                if (round != heartbeats.get()) {
                    violation.compareAndSet(null, "heartbeat " + round + " where " + heartbeats.get() + " was due");
                }
                arrivals.add("heartbeat " + round);
                heartbeats.incrementAndGet();
            }
        }
    }

    /** Node 3: checks the appends' order and counts those that arrive while node 2 is mid-transfer. */
    private static final class AppendReceiver implements Consumer<Message> {
        final SnapshotReceiver transfer;
        final AtomicLong appends = new AtomicLong();
        final AtomicLong arrivedDuringTransfer = new AtomicLong();
        final AtomicReference<String> violation = new AtomicReference<>();

        AppendReceiver(SnapshotReceiver transfer) {
            this.transfer = transfer;
        }

        @Override
        public void accept(Message m) {
            AppendRequest append = (AppendRequest) m;
            if (append.round() != appends.get() || append.entries().size() != 1) {
                violation.compareAndSet(null, "append " + append.round() + " where " + appends.get() + " was due");
            }
            int chunks = transfer.chunks.get();
            if (chunks > 0 && chunks < CHUNKS) {
                arrivedDuringTransfer.incrementAndGet();
            }
            appends.incrementAndGet();
        }
    }
}
