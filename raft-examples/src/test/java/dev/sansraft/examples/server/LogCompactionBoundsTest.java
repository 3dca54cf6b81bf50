package dev.sansraft.examples.server;

import dev.sansraft.examples.DirectorySize;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.PutLoad;
import dev.sansraft.node.RaftNode;
import dev.sansraft.storage.file.FileLogStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8, what snapshots buy an operator, checked as amounts of data and work rather than time: under a long write
 * load a node's data directory stays within a size set by the snapshot thresholds, and a restart reads a log tail
 * and a number of segment files set by the thresholds too, however long the history. One node (a cluster of one) on
 * the real file log, file snapshot store and TCP transport, so that 10^5 writes take seconds.
 *
 * <p>Restart times are printed for the record, never asserted.
 */
class LogCompactionBoundsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long SEGMENT_BYTES = 256L << 10;
    private static final int KEYS = 1_000;
    private static final int WINDOW = 2_000;
    /** Record header, CRC and the footer's offset per entry (raft-storage-file FORMAT.md: 25 + 4 bytes), rounded up. */
    private static final int LOG_RECORD_OVERHEAD_BYTES = 64;
    /** The identity file, the log's state file and slack for directory-level metadata files. */
    private static final long FIXED_FILES_BYTES = 64L << 10;

    @TempDir
    Path dir;

    private NodeServer server;
    private NodeSettings settings;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start() {
        try {
            server = NodeServer.start(settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RaftNode leader() {
        return Poll.until(TIMEOUT, "node 1 to lead", () -> {
            RaftNode n = server.node().raftNode();
            return n.status().isLeader() ? n : null;
        });
    }

    private PutLoad load() {
        return new PutLoad(this::leader, KEYS, WINDOW, TIMEOUT);
    }

    private void useSettings(SnapshotSettings snapshots) {
        settings = new NodeSettings(new NodeIdentity("bounds", 1), dir.resolve("node-1"), LoopbackPeers.pick(1), 1,
                snapshots, SEGMENT_BYTES);
    }

    /** The most a log entry of this test's load takes on disk. */
    private static long maxEntryDiskBytes(PutLoad load, long writes) {
        return load.command(writes - 1).length + LOG_RECORD_OVERHEAD_BYTES;
    }

    /** Every key with its longest value, plus a session table and framing allowance. */
    private static long maxSnapshotBytes(PutLoad load, long writes) {
        return (long) KEYS * (load.command(writes - 1).length + 32) + (4L << 10);
    }

    @Test
    void dataDirectoryStaysBoundedByTheSnapshotThresholdsUnderALongWriteLoad() {
        int writes = 200_000;
        SnapshotSettings snapshots = new SnapshotSettings(10_000, 0, 1_000);
        useSettings(snapshots);
        start();
        PutLoad load = load();
        long entryBytes = maxEntryDiskBytes(load, writes);
        // Between two compactions the log holds the trailing entries, the entries up to the next snapshot, the ones
        // applied while that snapshot is written and the window in flight; compaction frees whole segments, so one
        // partly covered segment stays, plus the open one. The store keeps two snapshots and may be writing a third.
        long bound = (snapshots.trailingEntries() + 2 * snapshots.entries() + WINDOW) * entryBytes
                + 2 * SEGMENT_BYTES + 3 * maxSnapshotBytes(load, writes) + FIXED_FILES_BYTES;
        long written = (long) writes * (load.command(0).length + 25);
        assertThat(bound).as("the bound must be well below the log bytes written, or the test proves nothing")
                .isLessThan(written / 3);

        List<Long> samples = new ArrayList<>();
        Path data = settings.dataDir();
        long lastIndex = load.write(0, writes, acknowledged -> samples.add(DirectorySize.bytes(data)));
        samples.add(DirectorySize.bytes(data));

        long largest = samples.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.printf("data directory over %,d writes (%,d log bytes written): %d samples, largest %,d bytes,"
                + " last %,d bytes, bound %,d bytes%n", writes, written, samples.size(), largest,
                samples.get(samples.size() - 1), bound);
        assertThat(samples).as("data directory sizes sampled every %d writes", WINDOW).hasSizeGreaterThan(50)
                .allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(bound));
        // The newest snapshot may still be being written, so the durable one can be one interval older.
        assertThat(server.node().raftNode().status().snapshotIndex()).as("snapshot index after %d writes", writes)
                .isGreaterThan(lastIndex - 2 * snapshots.entries() - WINDOW);
        assertThat(server.node().raftNode().metrics().get("sansraft_log_compactions_total"))
                .as("log compactions").isGreaterThanOrEqualTo(writes / snapshots.entries() - 2);
    }

    @Test
    void restartReadsALogTailBoundedByTheSnapshotThresholdWhateverTheHistory() {
        SnapshotSettings snapshots = new SnapshotSettings(5_000, 0, 500);
        useSettings(snapshots);
        start();
        PutLoad load = load();
        long entryBytes = maxEntryDiskBytes(load, 100_000);
        // What a restart must read: the entries after the compaction point (at most the trailing ones, the ones since
        // the last snapshot, those applied while it was written and the window), in at most that many bytes of
        // segments plus the partly compacted first one and the open last one.
        long maxTailEntries = snapshots.trailingEntries() + 2 * snapshots.entries() + WINDOW;
        long maxSegments = maxTailEntries * entryBytes / SEGMENT_BYTES + 2;

        long written = 0;
        for (long history : new long[] {10_000, 100_000}) {
            long lastIndex = load.write(written, history, null);
            written = history;
            server.close();
            Path logDir = settings.dataDir().resolve(NodeServer.LOG_DIR);
            int segments = DirectorySize.count(logDir, "segment-");
            long logEntries;
            long logBytes = DirectorySize.bytes(logDir);
            try (FileLogStore log = FileLogStore.open(logDir)) {
                logEntries = log.lastIndex() - log.firstIndex() + 1;
                assertThat(log.lastIndex()).as("last log index after %d writes", history)
                        .isGreaterThanOrEqualTo(lastIndex);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }

            long startNanos = System.nanoTime();
            start();
            RaftNode node = server.node().raftNode();
            long snapshotIndex = node.status().snapshotIndex();
            Poll.untilTrue(TIMEOUT, "node 1 to re-apply up to index " + lastIndex,
                    () -> node.status().appliedIndex() >= lastIndex);
            long restartMillis = (System.nanoTime() - startNanos) / 1_000_000;
            double replayed = node.metrics().get("sansraft_entries_applied_total");
            System.out.printf("restart after %,d writes: snapshot index %,d, log %,d entries in %d segment files"
                    + " (%,d bytes), %,.0f entries re-applied, %d ms to apply index %,d (includes the election)%n",
                    history, snapshotIndex, logEntries, segments, logBytes, replayed, restartMillis, lastIndex);

            // A snapshot still being written at the stop is discarded, so the recovered one may be an interval older.
            assertThat(snapshotIndex).as("snapshot recovered at restart after %d writes", history)
                    .isGreaterThan(lastIndex - 2 * snapshots.entries() - WINDOW);
            assertThat(logEntries).as("log entries kept after %d writes", history).isLessThanOrEqualTo(maxTailEntries);
            assertThat(segments).as("segment files after %d writes", history).isLessThanOrEqualTo((int) maxSegments);
            assertThat(replayed).as("entries re-applied at restart after %d writes", history)
                    .isLessThanOrEqualTo((double) maxTailEntries);
        }
    }
}
