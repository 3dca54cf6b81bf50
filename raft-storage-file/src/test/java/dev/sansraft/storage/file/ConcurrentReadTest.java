package dev.sansraft.storage.file;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readers racing one writer that appends, truncates, compacts, resets and rolls segments never see a wrong entry: every
 * entry read is genuine, in index order, and the terms of one read never decrease.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrentReadTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void readersRacingTheWriterSeeOnlyGenuineEntries(long seed) throws Exception {
        race(seed, false);
    }

    @ParameterizedTest
    @ValueSource(longs = {3, 4})
    void readersRacingResetsSeeOneLogOrTheOther(long seed) throws Exception {
        race(seed, true);
    }

    private void race(long seed, boolean resets) throws Exception {
        try (FileLogStore store = FileLogStore.builder(dir).segmentSizeBytes(12 * 1024).writeBufferBytes(4096).open()) {
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> error = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                Random random = new Random(seed * 31 + r);
                Thread t = new Thread(() -> {
                    do {
                        try {
                            readOnce(store, random);
                            reads.incrementAndGet();
                        } catch (IllegalArgumentException raced) {
                            // The range moved under us (truncation or compaction): a legitimate answer.
                            reads.incrementAndGet();
                        } catch (Throwable t2) {
                            error.compareAndSet(null, t2);
                            return;
                        }
                    } while (!done.get());
                }, "reader-" + r);
                t.start();
                readers.add(t);
            }
            Random random = new Random(seed);
            long term = 1;
            try {
                for (int step = 0; step < 500 && error.get() == null; step++) {
                    int op = random.nextInt(100);
                    long last = store.lastIndex();
                    if (op < 80) {
                        List<LogEntry> batch = new ArrayList<>();
                        for (int i = 1; i <= 1 + random.nextInt(8); i++) {
                            batch.add(TestEntries.entry(last + i, term, random.nextInt(200)));
                        }
                        store.append(batch);
                    } else if (op < 92) {
                        term++;
                        store.truncateSuffix(Math.max(store.firstIndex(), last - random.nextInt(30)));
                    } else if (op < 95) {
                        store.compactPrefix(Math.max(store.firstIndex() - 1, last - 200));
                    } else if (op < 99 && resets) {
                        // Before, inside or past the log; a new term, so that a read mixing the old log with the
                        // new one would show a term going down.
                        term++;
                        store.resetTo(Math.max(1, last - 60 + random.nextInt(120)), term);
                    } else {
                        store.sync();
                    }
                }
            } finally {
                done.set(true);
                for (Thread t : readers) {
                    t.join();
                }
            }
            assertThat(error.get()).as("seed " + seed).isNull();
            assertThat(reads.get()).isPositive();
        }
    }

    private static void readOnce(FileLogStore store, Random random) {
        long first = store.firstIndex();
        long last = store.lastIndex();
        if (last < first) {
            return;
        }
        long from = first + (long) (random.nextDouble() * (last - first + 1));
        long to = Math.min(last + 1, from + 1 + random.nextInt(50));
        List<LogEntry> got = store.entries(from, to, 1 + random.nextInt(8000));
        long expected = from;
        long previousTerm = 0;
        for (LogEntry e : got) {
            if (e.index() != expected || !TestEntries.isGenuine(e)) {
                throw new AssertionError("read " + e + " at expected index " + expected);
            }
            if (e.term() < previousTerm) {
                throw new AssertionError("one read mixes logs: " + e + " follows an entry of term " + previousTerm);
            }
            previousTerm = e.term();
            expected++;
        }
        long t = store.term(from);
        if (t < 1) {
            throw new AssertionError("term(" + from + ") = " + t);
        }
    }
}
