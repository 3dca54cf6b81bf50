package dev.sansraft.storage.file;

import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences of append, truncate, compact, reset, sync, hard-state saves, close and reopen against an in-memory
 * model.
 */
class RandomOperationsTest {

    @TempDir
    Path dir;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 12);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void matchesTheInMemoryModel(long seed) throws IOException {
        Random random = new Random(seed);
        long segmentSize = 4096 + random.nextInt(12 * 1024);
        InMemoryLog model = new InMemoryLog();
        HardState hardState = HardState.INITIAL;
        long term = 1;
        FileLogStore store = open(segmentSize);
        try {
            for (int step = 0; step < 120; step++) {
                String context = "seed " + seed + " step " + step;
                int op = random.nextInt(106);
                if (op < 50) {
                    if (random.nextInt(5) == 0) {
                        term += 1 + random.nextInt(2);
                    }
                    int count = 1 + random.nextInt(random.nextBoolean() ? 4 : 40);
                    List<LogEntry> batch = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        long index = model.lastIndex() + 1 + i;
                        batch.add(TestEntries.entry(index, term, random.nextInt(random.nextInt(10) == 0 ? 3000 : 120)));
                    }
                    store.append(batch);
                    model.append(batch);
                } else if (op < 62) {
                    long from = model.firstIndex() + (long) (random.nextDouble()
                            * (model.lastIndex() - model.firstIndex() + 2));
                    store.truncateSuffix(from);
                    model.truncateSuffix(from);
                } else if (op < 70) {
                    long upTo = model.firstIndex() - 1 + (long) (random.nextDouble()
                            * (model.lastIndex() - model.firstIndex() + 2));
                    store.compactPrefix(upTo);
                    model.compactPrefix(upTo);
                } else if (op < 80) {
                    store.sync();
                } else if (op < 88) {
                    hardState = new HardState(hardState.term() + random.nextInt(2),
                            hardState.votedFor() == 0 ? 1 + random.nextInt(3) : hardState.votedFor());
                    store.saveHardState(hardState);
                } else if (op < 100) {
                    store.close();
                    store = open(segmentSize);
                } else {
                    // A snapshot position before, inside or past the log (Raft §7).
                    long index = Math.max(1, model.firstIndex() - 20 + (long) (random.nextDouble()
                            * (model.lastIndex() - model.firstIndex() + 60)));
                    term += random.nextInt(2);
                    store.resetTo(index, term);
                    model.resetTo(index, term);
                }
                assertMatches(store, model, random, context);
                assertThat(store.loadHardState()).as(context).isEqualTo(hardState);
            }
        } finally {
            store.close();
        }
    }

    private FileLogStore open(long segmentSize) throws IOException {
        return FileLogStore.builder(dir).segmentSizeBytes(segmentSize).writeBufferBytes(4096).open();
    }

    private static void assertMatches(FileLogStore store, InMemoryLog model, Random random, String context) {
        assertThat(store.firstIndex()).as(context).isEqualTo(model.firstIndex());
        assertThat(store.lastIndex()).as(context).isEqualTo(model.lastIndex());
        for (long i = model.firstIndex() - 1; i <= model.lastIndex(); i++) {
            if (i >= 0) {
                assertThat(store.term(i)).as(context + " term(" + i + ")").isEqualTo(model.term(i));
            }
        }
        long end = model.lastIndex() + 1;
        assertThat(store.entries(model.firstIndex(), end, Long.MAX_VALUE)).as(context)
                .isEqualTo(model.entries(model.firstIndex(), end, Long.MAX_VALUE));
        long from = model.firstIndex() + (long) (random.nextDouble() * (end - model.firstIndex() + 1));
        long to = from + (long) (random.nextDouble() * (end - from + 1));
        long maxBytes = random.nextInt(2000);
        assertThat(store.entries(from, to, maxBytes)).as(context + " entries(" + from + ", " + to + ", " + maxBytes
                + ")").isEqualTo(model.entries(from, to, maxBytes));
    }
}
