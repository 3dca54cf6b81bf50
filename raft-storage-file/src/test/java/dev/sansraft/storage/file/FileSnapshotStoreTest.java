package dev.sansraft.storage.file;

import dev.sansraft.node.CorruptSnapshotException;
import dev.sansraft.node.SnapshotMeta;
import dev.sansraft.node.SnapshotReader;
import dev.sansraft.node.SnapshotWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileSnapshotStoreTest {

    private static final List<Long> MEMBERS = List.of(1L, 2L, 3L);
    private static final int CHUNK = 64 * 1024;

    @TempDir
    Path dir;

    private FileSnapshotStore open() throws IOException {
        return FileSnapshotStore.open(dir);
    }

    private static SnapshotMeta commit(FileSnapshotStore store, long index, long size) throws IOException {
        try (SnapshotWriter w = store.begin(index, 1, MEMBERS)) {
            SnapshotPayload.write(w, index, size, new byte[4096], new SplittableRandom(index));
            return w.commit();
        }
    }

    private static long readNewest(FileSnapshotStore store, long seed) throws IOException {
        try (SnapshotReader r = store.openNewest().orElseThrow()) {
            return SnapshotPayload.readAndCheck(r, seed, new byte[CHUNK]);
        }
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("LOCK")).sorted()
                    .collect(Collectors.toList());
        }
    }

    private Path snapshotFile(long index) {
        return dir.resolve(SnapshotFraming.fileName(index, 1));
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void aMultiMebibyteSnapshotIsWrittenToTheFileAsItIsStreamed() throws IOException {
        long size = 8L * 1024 * 1024 + 12_345;
        long seed = 77;
        byte[] piece = new byte[CHUNK];
        SplittableRandom random = new SplittableRandom(seed);
        try (FileSnapshotStore store = open()) {
            FileSnapshotWriter w = (FileSnapshotWriter) store.begin(100, 4, MEMBERS);
            int header = SnapshotFraming.headerBytes(dev.sansraft.core.Membership.ofVoters(MEMBERS));
            long written = 0;
            while (written < size) {
                int n = (int) Math.min(size - written, 1 + random.nextInt(CHUNK));
                SnapshotPayload.fill(seed, written, piece, 0, n);
                w.write(piece, 0, n);
                written += n;
                // Everything but at most one chunk must already be in the file: the writer streams.
                assertThat(header + written - Files.size(w.tempPath())).as("bytes held back after %d", written)
                        .isBetween(0L, (long) CHUNK);
            }
            SnapshotMeta meta = w.commit();
            assertThat(w.maxBufferedBytes()).as("largest buffered run").isLessThanOrEqualTo(CHUNK);
            assertThat(meta.sizeBytes()).isEqualTo(size);
            assertThat(readNewest(store, seed)).isEqualTo(size);
        }
    }

    @Test
    void writingAndReadingASnapshotUsesHeapIndependentOfItsSize() throws IOException {
        long size = 32L * 1024 * 1024;
        byte[] piece = new byte[CHUNK];
        SnapshotPayload.fill(5, 0, piece, 0, CHUNK);
        try (FileSnapshotStore store = open()) {
            long before = allocatedBytes();
            SnapshotWriter w = store.begin(1, 1, MEMBERS);
            for (long written = 0; written < size; written += CHUNK) {
                w.write(piece);
            }
            SnapshotMeta meta = w.commit();
            long writeAllocation = allocatedBytes() - before;
            assertThat(meta.sizeBytes()).isEqualTo(size);
            // The payload is 32 MiB; a writer that buffered it, or allocated per chunk, would exceed this by far.
            assertThat(writeAllocation).as("heap allocated while writing %d bytes", size).isLessThan(1024 * 1024);

            before = allocatedBytes();
            long read = 0;
            try (SnapshotReader r = store.openNewest().orElseThrow()) {
                int n;
                while ((n = r.read(piece)) >= 0) {
                    read += n;
                }
            }
            assertThat(read).isEqualTo(size);
            assertThat(allocatedBytes() - before).as("heap allocated while reading").isLessThan(1024 * 1024);
        }
    }

    /** Bytes of a complete file for snapshot {@code index}, built in a scratch store. */
    private byte[] completeFile(long index, long size) throws IOException {
        Path scratch = dir.resolveSibling(dir.getFileName() + "-scratch-" + index);
        try (FileSnapshotStore other = FileSnapshotStore.open(scratch)) {
            commit(other, index, size);
        }
        return Files.readAllBytes(scratch.resolve(SnapshotFraming.fileName(index, 1)));
    }

    @ParameterizedTest(name = "cut at {0} per mille")
    @ValueSource(ints = {0, 1, 5, 100, 500, 999, 1000})
    void aCrashBeforeTheRenameLeavesOnlyATemporaryFileThatIsDropped(int perMille) throws IOException {
        try (FileSnapshotStore store = open()) {
            commit(store, 1, 50_000);
        }
        byte[] full = completeFile(2, 50_000);
        int cut = (int) ((long) full.length * perMille / 1000);
        Files.write(dir.resolve(SnapshotFraming.tempFileName(2, 1)), Arrays.copyOf(full, cut));
        try (FileSnapshotStore store = open()) {
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).as("cut at %d", cut)
                    .containsExactly(1L);
            assertThat(store.problems()).as("a torn write is not damage").isEmpty();
            assertThat(readNewest(store, 1)).isEqualTo(50_000);
        }
        assertThat(files()).containsExactly(SnapshotFraming.fileName(1, 1));
    }

    @ParameterizedTest(name = "cut at {0} per mille")
    @ValueSource(ints = {0, 1, 500, 999})
    void aTruncatedCommittedSnapshotIsReportedAndSkipped(int perMille) throws IOException {
        try (FileSnapshotStore store = open()) {
            commit(store, 1, 50_000);
            commit(store, 2, 50_000);
        }
        byte[] full = Files.readAllBytes(snapshotFile(2));
        int cut = (int) ((long) full.length * perMille / 1000);
        LogDirs.truncate(snapshotFile(2), cut);
        try (FileSnapshotStore store = open()) {
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).as("cut at %d", cut)
                    .containsExactly(1L);
            assertThat(store.problems()).hasSize(1);
            assertThat(store.problems().get(0).source()).isEqualTo(snapshotFile(2).toString());
        }
    }

    /** Offsets into snapshot 2's file: magic, member list, header CRC, payload start/middle/end, trailer fields. */
    @ParameterizedTest(name = "flip at {0}")
    @ValueSource(longs = {0, 5, 12, 30, 55, 56, 60, 25_000, 49_999 + 60, -24, -16, -12, -1})
    void aFlippedByteInTheNewestSnapshotIsDetectedAndTheStoreFallsBack(long offset) throws IOException {
        try (FileSnapshotStore store = open()) {
            commit(store, 1, 30_000);
            commit(store, 2, 50_000);
        }
        long at = offset >= 0 ? offset : Files.size(snapshotFile(2)) + offset;
        LogDirs.flipBit(snapshotFile(2), at, 3);
        try (FileSnapshotStore store = open()) {
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).as("flip at %d", at)
                    .containsExactly(1L);
            List<CorruptSnapshotException> problems = store.problems();
            assertThat(problems).as("flip at %d", at).hasSize(1);
            assertThat(problems.get(0)).hasMessageContaining(snapshotFile(2).toString());
            assertThat(readNewest(store, 1)).isEqualTo(30_000);

            // A newer durable snapshot supersedes the damaged file, which is then removed.
            commit(store, 3, 10);
            assertThat(store.problems()).isEmpty();
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(3L, 1L);
        }
        assertThat(files()).containsExactly(SnapshotFraming.fileName(1, 1), SnapshotFraming.fileName(3, 1));
    }

    @Test
    void damageAfterOpenIsCaughtAtTheEndOfTheRead() throws IOException {
        try (FileSnapshotStore store = open()) {
            commit(store, 1, 100_000);
            LogDirs.flipBit(snapshotFile(1), 70_000, 0);
            try (SnapshotReader r = store.openNewest().orElseThrow()) {
                byte[] buf = new byte[CHUNK];
                assertThatThrownBy(() -> {
                    while (r.read(buf) >= 0) {
                        // drain
                    }
                }).isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("damaged after the store opened");
            }
        }
    }

    @Test
    void onlyDamagedSnapshotsMeanNoSnapshotButStillOpen() throws IOException {
        try (FileSnapshotStore store = open()) {
            commit(store, 1, 1000);
        }
        LogDirs.flipBit(snapshotFile(1), 500, 1);
        try (FileSnapshotStore store = open()) {
            assertThat(store.list()).isEmpty();
            assertThat(store.openNewest()).isEmpty();
            assertThat(store.problems()).singleElement()
                    .satisfies(e -> assertThat(e.getMessage()).contains("payload CRC32C"));
        }
    }

    @Test
    void aFailedFsyncFailsTheCommitAndKeepsThePreviousSnapshot() throws IOException {
        FaultyChannels channels = new FaultyChannels();
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2, CHUNK, channels)) {
            commit(store, 1, 80_000);
            channels.failForce = true;
            SnapshotWriter w = store.begin(2, 1, MEMBERS);
            SnapshotPayload.write(w, 2, 200_000, new byte[5000], new SplittableRandom(2));
            assertThatThrownBy(w::commit).isInstanceOf(IOException.class).hasMessageContaining("injected fsync");
            assertThatThrownBy(() -> w.write(1)).isInstanceOf(IOException.class).hasMessageContaining("failed earlier");
            channels.failForce = false;

            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(1L);
            assertThat(readNewest(store, 1)).isEqualTo(80_000);
            assertThat(files()).as("the failed snapshot's file is gone").containsExactly(SnapshotFraming.fileName(1, 1));
            // Nothing visible changed, so the store carries on.
            commit(store, 2, 10);
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(2L, 1L);
        }
    }

    @Test
    void aFailedWriteDiscardsTheSnapshot() throws IOException {
        FaultyChannels channels = new FaultyChannels();
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2, CHUNK, channels)) {
            commit(store, 1, 10);
            SnapshotWriter w = store.begin(2, 1, MEMBERS);
            channels.failWrite = true;
            assertThatThrownBy(() -> w.write(new byte[3 * CHUNK])).isInstanceOf(IOException.class)
                    .hasMessageContaining("injected write");
            channels.failWrite = false;
            assertThatThrownBy(w::commit).isInstanceOf(IOException.class).hasMessageContaining("failed earlier");
            assertThat(files()).containsExactly(SnapshotFraming.fileName(1, 1));
            commit(store, 3, 10);
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(3L, 1L);
        }
    }

    @Test
    void aFailedDirectoryForceAfterTheRenameStopsTheStoreButKeepsEverythingReadable() throws IOException {
        DirectoryForceFailure channels = new DirectoryForceFailure(dir);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 1, CHUNK, channels)) {
            commit(store, 1, 20_000);
            channels.fail = true;
            assertThatThrownBy(() -> commit(store, 2, 20_000)).isInstanceOf(IOException.class)
                    .hasMessageContaining("injected directory fsync");
            channels.fail = false;
            assertThat(store.list()).as("not listed, and nothing deleted on its account")
                    .extracting(SnapshotMeta::lastIncludedIndex).containsExactly(1L);
            assertThat(readNewest(store, 1)).isEqualTo(20_000);
            assertThatThrownBy(() -> store.begin(3, 1, MEMBERS)).isInstanceOf(IOException.class)
                    .hasMessageContaining("fail-stop");
        }
        try (FileSnapshotStore store = open()) {
            // Here the rename did reach the disk: the complete snapshot is valid and wins.
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(2L, 1L);
            assertThat(readNewest(store, 2)).isEqualTo(20_000);
        }
    }

    @Test
    void onlyTheNewestTwoSnapshotFilesAreKept() throws IOException {
        try (FileSnapshotStore store = open()) {
            for (long i = 1; i <= 6; i++) {
                commit(store, i, 1000 * i);
                assertThat(files()).as("after committing %d", i).hasSize((int) Math.min(i, 2));
            }
        }
        assertThat(files()).containsExactly(SnapshotFraming.fileName(5, 1), SnapshotFraming.fileName(6, 1));
        try (FileSnapshotStore store = open()) {
            assertThat(store.list()).extracting(SnapshotMeta::lastIncludedIndex).containsExactly(6L, 5L);
            assertThat(readNewest(store, 6)).isEqualTo(6000);
        }
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() throws IOException {
        try (FileSnapshotStore store = open()) {
            assertThatThrownBy(this::open).isInstanceOf(StoreLockedException.class);
            assertThat(store.directory()).isEqualTo(dir);
        }
    }

    @Test
    void unexpectedFilesAreIgnoredAndKept() throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "operator notes");
        Files.writeString(dir.resolve("snapshot-1-1.snap"), "not a name this store writes");
        try (FileSnapshotStore store = open()) {
            assertThat(store.list()).isEmpty();
            assertThat(store.problems()).isEmpty();
            commit(store, 1, 10);
        }
        assertThat(files()).contains("notes.txt", "snapshot-1-1.snap", SnapshotFraming.fileName(1, 1));
    }

    @Test
    void aHeaderThatContradictsTheFileNameIsDamage() throws IOException {
        try (FileSnapshotStore store = open()) {
            commit(store, 1, 10);
        }
        Files.move(snapshotFile(1), snapshotFile(9));
        try (FileSnapshotStore store = open()) {
            assertThat(store.list()).isEmpty();
            assertThat(store.problems()).singleElement()
                    .satisfies(e -> assertThat(e.getMessage()).contains("file name says index 9"));
        }
    }

    /** Fails only the force of the store's directory, after a file was renamed into it. */
    private static final class DirectoryForceFailure implements FileChannels {
        private final Path dir;
        volatile boolean fail;

        DirectoryForceFailure(Path dir) {
            this.dir = dir;
        }

        @Override
        public FileChannel open(Path path, OpenOption... options) throws IOException {
            return new ForwardingFileChannel(FileChannel.open(path, options)) {
                @Override
                public void force(boolean metaData) throws IOException {
                    if (fail && path.equals(dir)) {
                        throw new IOException("injected directory fsync failure on " + path);
                    }
                    super.force(metaData);
                }
            };
        }
    }
}
