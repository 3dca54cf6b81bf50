package dev.sansraft.storage.file;

import dev.sansraft.node.SnapshotMeta;
import dev.sansraft.node.SnapshotReader;
import dev.sansraft.node.SnapshotWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The follower's side of a snapshot transfer (issue #8) as the node runtime drives it: {@code begin} on the chunk at
 * offset 0, many {@code write}s of received chunks (up to 1 MiB each), {@code commit} on the last one, and
 * {@code abort} of an unfinished transfer when a new one starts over at offset 0.
 */
class SnapshotReceiveTest {

    private static final List<Long> MEMBERS = List.of(1L, 2L, 3L);
    private static final int CHUNK = 1 << 20;

    @TempDir
    Path dir;

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(DirectoryLock.NAME)).sorted()
                    .collect(Collectors.toList());
        }
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Writes {@code bytes} of payload {@code seed} in chunks of {@code CHUNK}, reusing {@code chunk}. */
    private static void receive(SnapshotWriter w, long seed, long bytes, byte[] chunk) throws IOException {
        for (long offset = 0; offset < bytes; offset += chunk.length) {
            int n = (int) Math.min(chunk.length, bytes - offset);
            SnapshotPayload.fill(seed, offset, chunk, 0, n);
            w.write(chunk, 0, n);
        }
    }

    @Test
    void aSixtyFourMebibyteSnapshotReceivedInOneMebibyteChunksKeepsHeapUseSmall() throws IOException {
        long size = 64L * CHUNK;
        byte[] chunk = new byte[CHUNK];
        // Chunks as they arrive off the wire: the same bytes each time is enough to measure allocation.
        SnapshotPayload.fill(9, 0, chunk, 0, CHUNK);
        CRC32C expected = new CRC32C();
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            long before = allocatedBytes();
            SnapshotWriter w = store.begin(1_000_000, 12, MEMBERS);
            for (int i = 0; i < 64; i++) {
                w.write(chunk, 0, CHUNK);
            }
            SnapshotMeta meta = w.commit();
            long allocated = allocatedBytes() - before;
            assertThat(meta.sizeBytes()).isEqualTo(size);
            // Buffering the payload would take 64 MiB, copying each chunk 1 MiB a time: far above this bound.
            assertThat(allocated).as("heap allocated while receiving %d bytes", size).isLessThan(256 * 1024);

            // A leader serving the same file chunk by chunk reuses the caller's array.
            for (int i = 0; i < 64; i++) {
                expected.update(chunk, 0, CHUNK);
            }
            before = allocatedBytes();
            CRC32C served = new CRC32C();
            long offset = 0;
            try (SnapshotReader r = store.open(1_000_000).orElseThrow()) {
                int n;
                while ((n = r.readAt(offset, chunk, 0, CHUNK)) >= 0) {
                    served.update(chunk, 0, n);
                    offset += n;
                }
            }
            assertThat(allocatedBytes() - before).as("heap allocated while serving").isLessThan(256 * 1024);
            assertThat(offset).isEqualTo(size);
            assertThat(served.getValue()).isEqualTo(expected.getValue()).isEqualTo(meta.checksum());
        }
    }

    @Test
    void aNewTransferAtOffsetZeroAbortsTheUnfinishedOneAndOnlyTheFinishedSnapshotRemains() throws IOException {
        byte[] chunk = new byte[64 * 1024];
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            SnapshotWriter first = store.begin(50, 3, MEMBERS);
            receive(first, 50, 300_000, chunk);
            assertThat(files()).containsExactly(SnapshotFraming.tempFileName(50, 3));
            // The leader restarted the transfer (same snapshot) from offset 0.
            first.abort();
            assertThat(files()).as("the aborted temp file is deleted at once").isEmpty();
            SnapshotWriter again = store.begin(50, 3, MEMBERS);
            receive(again, 50, 200_000, chunk);
            // ... and once more, now with a newer snapshot.
            again.abort();
            SnapshotWriter newer = store.begin(80, 4, MEMBERS);
            receive(newer, 80, 500_000, chunk);
            SnapshotMeta meta = newer.commit();
            assertThat(meta.lastIncludedIndex()).isEqualTo(80);
            assertThat(store.list()).containsExactly(meta);
            assertThatThrownBy(() -> first.write(1)).as("an aborted writer stays dead")
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThat(files()).containsExactly(SnapshotFraming.fileName(80, 4));
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(80L);
            assertThat(store.problems()).isEmpty();
            try (SnapshotReader r = store.openNewest().orElseThrow()) {
                assertThat(SnapshotPayload.readAndCheck(r, 80, chunk)).isEqualTo(500_000);
            }
        }
    }

    @Test
    void beginWhileAnotherWriterIsOpenFailsClearlyAndLeavesThatWriterWorking() throws IOException {
        byte[] chunk = new byte[10_000];
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            SnapshotWriter receiving = store.begin(50, 3, MEMBERS);
            receive(receiving, 50, 40_000, chunk);
            assertThatThrownBy(() -> store.begin(60, 3, MEMBERS)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("index 50").hasMessageContaining("index 60")
                    .hasMessageContaining("still being written");
            assertThatThrownBy(() -> store.begin(50, 3, MEMBERS)).isInstanceOf(IllegalStateException.class);
            // The refused begin did not disturb the transfer in progress: its next chunk and commit work.
            SnapshotPayload.fill(50, 40_000, chunk, 0, 10_000);
            receiving.write(chunk, 0, 10_000);
            SnapshotMeta meta = receiving.commit();
            assertThat(meta.sizeBytes()).isEqualTo(50_000);
            try (SnapshotReader r = store.open(50).orElseThrow()) {
                assertThat(SnapshotPayload.readAndCheck(r, 50, chunk)).isEqualTo(50_000);
            }
        }
    }

    @Test
    void anUnfinishedTransferLeftByACrashNeverShowsUpAfterAReopen() throws IOException {
        byte[] chunk = new byte[64 * 1024];
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            SnapshotWriter done = store.begin(10, 1, MEMBERS);
            receive(done, 10, 100_000, chunk);
            done.commit();
            SnapshotWriter unfinished = store.begin(20, 2, MEMBERS);
            receive(unfinished, 20, 1_000_000, chunk);
            unfinished.flush();
            // The node stops (or crashes) mid-transfer: the writer is never committed nor aborted.
        }
        assertThat(files()).contains(SnapshotFraming.tempFileName(20, 2));
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(10L);
            assertThat(store.problems()).as("a torn transfer is not damage").isEmpty();
            assertThat(store.open(20)).isEmpty();
            // The leader sends the snapshot again from offset 0.
            SnapshotWriter again = store.begin(20, 2, MEMBERS);
            receive(again, 20, 300_000, chunk);
            again.commit();
        }
        assertThat(files()).containsExactly(SnapshotFraming.fileName(10, 1), SnapshotFraming.fileName(20, 2));
    }
}
