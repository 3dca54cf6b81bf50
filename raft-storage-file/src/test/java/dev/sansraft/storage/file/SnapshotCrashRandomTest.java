package dev.sansraft.storage.file;

import dev.sansraft.node.SnapshotMeta;
import dev.sansraft.node.SnapshotReader;
import dev.sansraft.node.SnapshotWriter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded rounds of "commit, damage or crash, reopen": after every reopen the store serves exactly the newest snapshot
 * that was committed and left intact, reports each damaged newer one, and never serves wrong bytes.
 */
class SnapshotCrashRandomTest {

    @TempDir
    Path dir;

    private enum Fault { NONE, TORN_TEMP, CUT_FILE, FLIPPED_BIT }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18})
    void reopeningAfterRandomFaultsServesTheNewestIntactSnapshot(long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        long index = 0;
        long intact = 0;       // newest committed snapshot that is still valid on disk
        long intactSize = 0;
        for (int round = 0; round < 12; round++) {
            String context = "seed " + seed + " round " + round;
            long size = random.nextInt(4) == 0 ? 0 : random.nextInt(150_000);
            Fault fault = Fault.values()[random.nextInt(Fault.values().length)];
            index += 1 + random.nextInt(50);
            try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2, 16 * 1024, FileChannels.DEFAULT)) {
                assertThat(store.newest().map(SnapshotMeta::lastIncludedIndex).orElse(0L)).as(context)
                        .isEqualTo(intact);
                if (index <= intact) {
                    index = intact + 1;
                }
                SnapshotWriter w = store.begin(index, 1 + round, List.of(1L, 2L, 3L));
                SnapshotPayload.write(w, index, size, new byte[3000], random);
                if (fault == Fault.TORN_TEMP) {
                    w.flush();
                    // The process dies before commit: the temporary file stays behind, cut anywhere.
                    Path temp = ((FileSnapshotWriter) w).tempPath();
                    byte[] bytes = Files.readAllBytes(temp);
                    Files.write(temp, Arrays.copyOf(bytes, random.nextInt(bytes.length + 1)));
                    continue; // the store is dropped without closing the writer, as a crash would
                }
                w.commit();
            }
            Path file = dir.resolve(SnapshotFraming.fileName(index, 1 + round));
            long length = Files.size(file);
            switch (fault) {
                case CUT_FILE:
                    LogDirs.truncate(file, random.nextLong(length));
                    break;
                case FLIPPED_BIT:
                    LogDirs.flipBit(file, random.nextLong(length), random.nextInt(8));
                    break;
                default:
                    intact = index;
                    intactSize = size;
            }
            try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2, 16 * 1024, FileChannels.DEFAULT)) {
                assertThat(store.newest().map(SnapshotMeta::lastIncludedIndex).orElse(0L)).as(context + " " + fault)
                        .isEqualTo(intact);
                assertThat(store.problems()).as(context + " " + fault).hasSize(fault == Fault.NONE ? 0 : 1);
                if (intact > 0) {
                    try (SnapshotReader r = store.openNewest().orElseThrow()) {
                        assertThat(SnapshotPayload.readAndCheck(r, intact, new byte[8192])).as(context)
                                .isEqualTo(intactSize);
                    }
                }
                if (fault != Fault.NONE) {
                    // Clear the damaged file the way a later commit would, so each round starts from one problem.
                    Files.delete(file);
                }
            }
        }
    }
}
