package dev.sansraft.storage.file;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static dev.sansraft.storage.file.TestEntries.batch;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restart cost and disk use at store level, measured in counts, never in time: once a snapshot lets the log compact,
 * the work of reopening it and the space it takes depend on the retained tail only, not on how long the history was.
 */
class RestartCostTest {

    private static final long SEGMENT_BYTES = 32 * 1024;
    private static final int RETAINED = 1000;
    private static final int MAX_PAYLOAD = 40;
    private static final int CYCLES = 80;

    @TempDir
    Path tmp;

    /** Counts the segment files opened and every byte read through the channels it hands out. */
    private static final class CountingChannels implements FileChannels {
        final AtomicLong segmentOpens = new AtomicLong();
        final AtomicLong bytesRead = new AtomicLong();

        @Override
        public FileChannel open(Path path, OpenOption... options) throws IOException {
            if (Segment.parseId(path.getFileName().toString()) > 0) {
                segmentOpens.incrementAndGet();
            }
            return new ForwardingFileChannel(FileChannel.open(path, options)) {
                @Override
                public int read(ByteBuffer dst, long position) throws IOException {
                    return counted(super.read(dst, position));
                }

                @Override
                public int read(ByteBuffer dst) throws IOException {
                    return counted(super.read(dst));
                }

                private int counted(int n) {
                    if (n > 0) {
                        bytesRead.addAndGet(n);
                    }
                    return n;
                }
            };
        }
    }

    private record OpenCost(long segmentOpens, long bytesRead, int segmentFiles) {
    }

    /**
     * Writes {@code history} entries, compacts all but the last {@value #RETAINED}, then reopens the log, cleanly
     * closed or after a crash with an unsealed tail, and counts what the open touched.
     */
    private OpenCost reopenAfterHistory(int history, boolean crash) throws IOException {
        Path dir = tmp.resolve("log-" + history + (crash ? "-crash" : ""));
        FileLogStore store = FileLogStore.builder(dir).segmentSizeBytes(SEGMENT_BYTES).open();
        for (int from = 1; from <= history; from += 1000) {
            store.append(batch(from, Math.min(1000, history - from + 1), 1, MAX_PAYLOAD));
        }
        store.compactPrefix(history - RETAINED);
        if (crash) {
            store.sync();
            store.abandon();
        } else {
            store.close();
        }
        CountingChannels counting = new CountingChannels();
        try (FileLogStore reopened = FileLogStore.builder(dir).segmentSizeBytes(SEGMENT_BYTES).channels(counting)
                .open()) {
            assertThat(reopened.firstIndex()).isEqualTo(history - RETAINED + 1);
            assertThat(reopened.lastIndex()).isEqualTo(history);
            return new OpenCost(counting.segmentOpens.get(), counting.bytesRead.get(), LogDirs.segments(dir).size());
        }
    }

    @Test
    void openingACompactedLogTouchesTheSameAmountWhateverTheHistory() throws IOException {
        // The retained tail is 1000 records of at most 25 + 40 bytes: it fits this many segments, plus one that
        // starts with compacted records.
        long maxRecord = RecordFormat.HEADER_BYTES + MAX_PAYLOAD;
        long maxSegments = RETAINED * maxRecord / (SEGMENT_BYTES - maxRecord) + 2;
        // A sealed segment costs its header, trailer and footer reads (4 bytes per record and 16 per term run).
        long maxFooterReads = maxSegments * (SegmentHeader.BYTES + 64) + 4L * (RETAINED + SEGMENT_BYTES / 25);
        for (boolean crash : new boolean[] {false, true}) {
            OpenCost small = reopenAfterHistory(2_000, crash);
            OpenCost large = reopenAfterHistory(30_000, crash);
            String context = (crash ? "after a crash" : "after a clean close") + ": " + small + " vs " + large;
            assertThat(large.segmentFiles()).as(context).isLessThanOrEqualTo((int) maxSegments);
            assertThat(large.segmentOpens()).as(context + ": segment files opened")
                    .isEqualTo(large.segmentFiles()).isLessThanOrEqualTo(small.segmentOpens() + 1);
            // A crash leaves the newest segment unsealed, and recovery scans it: at most one segment of records.
            long bound = maxFooterReads + (crash ? SEGMENT_BYTES : 0) + 2 * StateFile.SLOT_BYTES;
            assertThat(large.bytesRead()).as(context + ": bytes read on open").isLessThanOrEqualTo(bound);
            assertThat(small.bytesRead()).as(context + ": bytes read on open").isLessThanOrEqualTo(bound);
        }
    }

    @Test
    void repeatedWriteAndCompactCyclesKeepTheDirectorySmall() throws IOException {
        Path dir = tmp.resolve("cycles");
        long last = 0;
        long maxSeen = 0;
        try (FileLogStore store = FileLogStore.builder(dir).segmentSizeBytes(SEGMENT_BYTES).open()) {
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                store.append(batch(last + 1, 500, cycle, MAX_PAYLOAD));
                last += 500;
                store.sync();
                store.compactPrefix(Math.max(0, last - RETAINED));
                long used = directoryBytes(dir);
                maxSeen = Math.max(maxSeen, used);
                // The retained records, plus one segment's worth (with its footer) of compacted records sharing the
                // first retained segment, plus the newest segment's preallocated zeros (at most one chunk, which is
                // never larger than a segment), plus per-file framing, the state file and the lock file.
                long bound = retainedBytes(store) + SEGMENT_BYTES + SEGMENT_BYTES
                        + 4 * SEGMENT_BYTES / RecordFormat.HEADER_BYTES
                        + LogDirs.segments(dir).size() * (SegmentHeader.BYTES + 64L) + 2 * StateFile.SLOT_BYTES + 64;
                assertThat(used).as("cycle %d: %d segment files for [%d, %d]", cycle, LogDirs.segments(dir).size(),
                        store.firstIndex(), last).isLessThanOrEqualTo(bound);
            }
        }
        long history = 0;
        for (LogEntry e : batch(1, 500, 1, MAX_PAYLOAD)) {
            history += RecordFormat.recordBytes(e);
        }
        assertThat(maxSeen).as("the directory never came near the %d-entry history", last)
                .isLessThan(history * CYCLES / 10);
    }

    /** Bytes of the records the log still holds, plus the 4-byte footer offset each gets once sealed. */
    private static long retainedBytes(FileLogStore store) {
        long bytes = 0;
        for (LogEntry e : store.entries(store.firstIndex(), store.lastIndex() + 1, Long.MAX_VALUE)) {
            bytes += RecordFormat.recordBytes(e) + 4;
        }
        return bytes;
    }

    private static long directoryBytes(Path dir) throws IOException {
        long total = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                total += Files.size(p);
            }
        }
        return total;
    }
}
