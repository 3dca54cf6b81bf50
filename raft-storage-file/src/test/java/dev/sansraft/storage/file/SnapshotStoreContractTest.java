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
}
