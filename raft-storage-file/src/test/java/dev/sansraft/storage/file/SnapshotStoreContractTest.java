package dev.sansraft.storage.file;

import dev.sansraft.node.SnapshotMeta;
import dev.sansraft.node.SnapshotReader;
import dev.sansraft.node.SnapshotStore;
import dev.sansraft.node.SnapshotWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@link SnapshotStore} contract, run against every implementation (subclasses supply the store). It lives in
 * this module because it is the one that sees both the in-memory and the file store.
 */
abstract class SnapshotStoreContractTest {

    private static final List<Long> MEMBERS = List.of(1L, 2L, 3L);

    private final List<SnapshotStore> opened = new ArrayList<>();

    /** A new, empty store keeping the newest {@code retainCount} snapshots. */
    abstract SnapshotStore create(int retainCount) throws IOException;

    private SnapshotStore store(int retainCount) throws IOException {
        SnapshotStore store = create(retainCount);
        opened.add(store);
        return store;
    }

    @AfterEach
    void closeStores() throws IOException {
        for (SnapshotStore s : opened) {
            s.close();
        }
    }

    static SnapshotMeta commit(SnapshotStore store, long index, long term, long size) throws IOException {
        try (SnapshotWriter w = store.begin(index, term, MEMBERS)) {
            SnapshotPayload.write(w, index, size, new byte[997], new SplittableRandom(index));
            return w.commit();
        }
    }

    static long readNewest(SnapshotStore store, long expectedSeed) throws IOException {
        try (SnapshotReader r = store.openNewest().orElseThrow()) {
            return SnapshotPayload.readAndCheck(r, expectedSeed, new byte[4096]);
        }
    }

    @Test
    void anEmptyStoreHasNoSnapshot() throws IOException {
        SnapshotStore store = store(2);
        assertThat(store.list()).isEmpty();
        assertThat(store.newest()).isEmpty();
        assertThat(store.openNewest()).isEmpty();
        assertThat(store.problems()).isEmpty();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void aCommittedSnapshotReadsBackByteForByte(long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        long size = random.nextInt(300_000);
        SnapshotStore store = store(2);
        long crc;
        SnapshotMeta meta;
        try (SnapshotWriter w = store.begin(seed, 7, MEMBERS)) {
            crc = SnapshotPayload.write(w, seed, size, new byte[1 + random.nextInt(100_000)], random);
            meta = w.commit();
        }
        assertThat(meta).as("seed %d", seed).isEqualTo(new SnapshotMeta(seed, 7, MEMBERS, size, crc));
        assertThat(store.list()).containsExactly(meta);
        try (SnapshotReader r = store.openNewest().orElseThrow()) {
            assertThat(r.meta()).isEqualTo(meta);
            assertThat(SnapshotPayload.readAndCheck(r, seed, new byte[1 + random.nextInt(70_000)]))
                    .as("bytes read back, seed %d", seed).isEqualTo(size);
            assertThat(r.read()).as("still at the end").isEqualTo(-1);
        }
    }

    @Test
    void anEmptyPayloadIsAValidSnapshot() throws IOException {
        SnapshotStore store = store(2);
        SnapshotMeta meta = commit(store, 3, 1, 0);
        assertThat(meta.sizeBytes()).isZero();
        assertThat(readNewest(store, 3)).isZero();
    }

    @Test
    void listIsNewestFirstAndACommitKeepsOnlyTheRetainedCount() throws IOException {
        SnapshotStore store = store(2);
        for (long i = 1; i <= 5; i++) {
            commit(store, i * 10, i, 1000 + i);
            assertThat(store.newest().orElseThrow().lastIncludedIndex()).isEqualTo(i * 10);
        }
        assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(50L, 40L);
        assertThat(readNewest(store, 50)).isEqualTo(1005);
    }

    @Test
    void snapshotsOnlyMoveForward() throws IOException {
        SnapshotStore store = store(2);
        commit(store, 10, 2, 10);
        assertThatThrownBy(() -> store.begin(10, 2, MEMBERS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("newest is 10, got 10");
        assertThatThrownBy(() -> store.begin(9, 3, MEMBERS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 9");
    }

    @Test
    void invalidPositionsAreRefusedBeforeAnyByteIsWritten() throws IOException {
        SnapshotStore store = store(2);
        assertThatThrownBy(() -> store.begin(0, 1, MEMBERS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.begin(1, 0, MEMBERS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.begin(1, 1, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.begin(1, 1, List.of(2L, 2L))).isInstanceOf(IllegalArgumentException.class);
        commit(store, 1, 1, 5);
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void onlyOneWriterIsOpenAtATime() throws IOException {
        SnapshotStore store = store(2);
        SnapshotWriter first = store.begin(5, 1, MEMBERS);
        assertThatThrownBy(() -> store.begin(6, 1, MEMBERS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("index 5");
        first.abort();
        commit(store, 6, 1, 10);
        assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(6L);
    }

    @Test
    void anAbortedOrUnclosedWriterLeavesNothingVisible() throws IOException {
        SnapshotStore store = store(2);
        commit(store, 1, 1, 100);
        try (SnapshotWriter w = store.begin(2, 1, MEMBERS)) {
            w.write(new byte[5000]);
            // closed without commit
        }
        SnapshotWriter aborted = store.begin(3, 1, MEMBERS);
        aborted.write(42);
        aborted.abort();
        aborted.abort();
        assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(1L);
        assertThat(readNewest(store, 1)).isEqualTo(100);
    }

    @Test
    void aFinishedWriterRefusesMoreWork() throws IOException {
        SnapshotStore store = store(2);
        SnapshotWriter w = store.begin(1, 1, MEMBERS);
        w.write(1);
        w.commit();
        assertThatThrownBy(() -> w.write(2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class);
        w.abort();
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void deleteOlderThanNeverDeletesTheNewest() throws IOException {
        SnapshotStore store = store(5);
        for (long i = 1; i <= 3; i++) {
            commit(store, i, 1, 10);
        }
        assertThat(store.deleteOlderThan(2)).isEqualTo(1);
        assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(3L, 2L);
        assertThat(store.deleteOlderThan(Long.MAX_VALUE)).isEqualTo(1);
        assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(3L);
        assertThat(readNewest(store, 3)).isEqualTo(10);
    }

    @Test
    void aReaderKeepsReadingWhileNewerSnapshotsReplaceItsSnapshot() throws IOException {
        SnapshotStore store = store(1);
        commit(store, 1, 1, 200_000);
        try (SnapshotReader r = store.openNewest().orElseThrow()) {
            assertThat(r.read()).isEqualTo(SnapshotPayload.at(1, 0) & 0xFF);
            commit(store, 2, 1, 10);
            commit(store, 3, 1, 10);
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(3L);
            byte[] rest = new byte[8192];
            long position = 1;
            int n;
            while ((n = r.read(rest)) >= 0) {
                for (int i = 0; i < n; i++) {
                    assertThat(rest[i]).as("byte %d", position + i).isEqualTo(SnapshotPayload.at(1, position + i));
                }
                position += n;
            }
            assertThat(position).isEqualTo(200_000);
        }
    }

    @Test
    void aWriterCannotCommitOnceTheStoreIsClosed() throws IOException {
        SnapshotStore store = store(2);
        SnapshotWriter w = store.begin(1, 1, MEMBERS);
        w.write(new byte[10]);
        store.close();
        assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("no longer open");
        assertThatThrownBy(() -> store.begin(2, 1, MEMBERS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
    // ---------------------------------------------------------------- open(index) and readAt: a leader streaming
    // a stored snapshot to a follower in chunks (issue #8)

    /** Checks {@code n} bytes of {@code dst} from {@code off} against payload {@code seed} at {@code offset}. */
    private static void assertPayloadAt(long seed, long offset, byte[] dst, int off, int n, String context) {
        for (int i = 0; i < n; i++) {
            if (dst[off + i] != SnapshotPayload.at(seed, offset + i)) {
                throw new AssertionError(context + ": byte " + (offset + i) + " differs");
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void readAtManyOffsetsEqualsThePayload(long seed) throws IOException {
        SnapshotStore store = store(3);
        long size = 150_000 + seed * 7_777;
        commit(store, 10, 1, 40_000);
        SnapshotMeta meta = commit(store, 20, 2, size);
        commit(store, 30, 3, 10);
        SplittableRandom random = new SplittableRandom(seed);
        try (SnapshotReader r = store.open(20).orElseThrow()) {
            assertThat(r.meta()).isEqualTo(meta);
            byte[] dst = new byte[70_000];
            long[] fixed = {0, 1, 8999, 9000, 9001, size / 2, size - 9000, size - 2, size - 1};
            for (int k = 0; k < 300; k++) {
                long offset = k < fixed.length ? fixed[k] : random.nextLong(size);
                int off = random.nextInt(100);
                int len = random.nextInt(dst.length - off + 1);
                String context = "seed " + seed + " readAt(" + offset + ", " + off + ", " + len + ")";
                int n = r.readAt(offset, dst, off, len);
                assertThat(n).as(context).isEqualTo((int) Math.min(len, size - offset));
                assertPayloadAt(20, offset, dst, off, n, context);
            }
            // Chunk by chunk, as a leader streams it: the chunks add up to the payload and its checksum.
            CRC32C crc = new CRC32C();
            long offset = 0;
            int chunk = 1 + random.nextInt(20_000);
            int n;
            while ((n = r.readAt(offset, dst, 0, chunk)) >= 0) {
                assertThat(n).as("chunk at %d", offset).isPositive();
                crc.update(dst, 0, n);
                offset += n;
            }
            assertThat(offset).as("seed %d chunks of %d", seed, chunk).isEqualTo(size);
            assertThat(crc.getValue()).isEqualTo(meta.checksum());
            // readAt does not move the stream.
            assertThat(SnapshotPayload.readAndCheck(r, 20, new byte[4096])).isEqualTo(size);
            assertThat(r.readAt(size / 3, dst, 0, 10)).as("readAt after the stream ended").isEqualTo(10);
            assertPayloadAt(20, size / 3, dst, 0, 10, "after the stream ended");
        }
    }

    @Test
    void readAtAtOrPastTheEndReturnsMinusOne() throws IOException {
        SnapshotStore store = store(2);
        commit(store, 5, 1, 1000);
        commit(store, 6, 1, 0);
        byte[] dst = new byte[100];
        try (SnapshotReader r = store.open(5).orElseThrow()) {
            assertThat(r.readAt(1000, dst, 0, 100)).isEqualTo(-1);
            assertThat(r.readAt(1001, dst, 0, 100)).isEqualTo(-1);
            assertThat(r.readAt(Long.MAX_VALUE, dst, 0, 100)).isEqualTo(-1);
            assertThat(r.readAt(999, dst, 0, 100)).as("the last byte").isEqualTo(1);
            assertThat(dst[0]).isEqualTo(SnapshotPayload.at(5, 999));
            assertThat(r.readAt(10, dst, 0, 0)).as("an empty read inside the payload").isZero();
        }
        try (SnapshotReader r = store.open(6).orElseThrow()) {
            assertThat(r.readAt(0, dst, 0, 100)).as("an empty payload").isEqualTo(-1);
        }
    }

    @Test
    void readAtRejectsBadArguments() throws IOException {
        SnapshotStore store = store(2);
        commit(store, 5, 1, 1000);
        byte[] dst = new byte[100];
        try (SnapshotReader r = store.open(5).orElseThrow()) {
            int[][] bad = {{-1, 10}, {0, -1}, {50, 51}, {101, 0}, {1, Integer.MAX_VALUE}};
            for (int[] args : bad) {
                assertThatThrownBy(() -> r.readAt(0, dst, args[0], args[1])).as("off %d len %d", args[0], args[1])
                        .isInstanceOf(IndexOutOfBoundsException.class);
            }
            assertThatThrownBy(() -> r.readAt(-1, dst, 0, 10)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("-1");
            assertThatThrownBy(() -> r.readAt(0, null, 0, 10)).isInstanceOf(NullPointerException.class);
            assertThat(r.readAt(0, dst, 0, 100)).as("still usable").isEqualTo(100);
            assertPayloadAt(5, 0, dst, 0, 100, "after bad calls");
        }
    }

    @Test
    void aReaderOpenedByIndexKeepsWorkingAfterItsSnapshotIsDeleted() throws IOException {
        SnapshotStore store = store(1);
        commit(store, 1, 1, 100_000);
        try (SnapshotReader r = store.open(1).orElseThrow()) {
            commit(store, 2, 1, 10);
            assertThat(store.open(1)).as("no longer stored").isEmpty();
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(2L);
            byte[] dst = new byte[30_000];
            for (long offset : new long[] {99_999, 0, 50_000, 70_000}) {
                int n = r.readAt(offset, dst, 0, dst.length);
                assertThat(n).isEqualTo((int) Math.min(dst.length, 100_000 - offset));
                assertPayloadAt(1, offset, dst, 0, n, "deleted snapshot at " + offset);
            }
            assertThat(SnapshotPayload.readAndCheck(r, 1, dst)).isEqualTo(100_000);
        }
    }

    @Test
    void openOfAnIndexNotStoredIsEmpty() throws IOException {
        SnapshotStore store = store(2);
        assertThat(store.open(1)).as("empty store").isEmpty();
        commit(store, 10, 1, 10);
        commit(store, 20, 1, 10);
        for (long index : new long[] {0, -1, 9, 11, 19, 21, Long.MAX_VALUE}) {
            assertThat(store.open(index)).as("index %d", index).isEmpty();
        }
        try (SnapshotReader r = store.open(10).orElseThrow()) {
            assertThat(r.meta().lastIncludedIndex()).isEqualTo(10);
        }
        try (SnapshotReader r = store.open(20).orElseThrow()) {
            assertThat(r.meta().lastIncludedIndex()).isEqualTo(20);
        }
    }
}
