package dev.sansraft.kv;

import dev.sansraft.core.LogEntry;
import dev.sansraft.node.SnapshotSource;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A capture costs the apply thread almost nothing even for a large map: no entry or node is copied when capturing,
 * and afterwards a write copies at most the trie path above its key. Measured in bytes allocated by the calling
 * thread (HotSpot's per-thread allocation counter), never in time.
 */
class KvCaptureMemoryTest {

    private static final int KEYS = 1_000_000;
    private static final int VALUE_BYTES = 8;

    private final KvCommandCodec codec = KvCommandCodec.withDefaultLimits();
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** "key-" and seven decimal digits. */
    private static Bytes key(int k) {
        byte[] key = {'k', 'e', 'y', '-', '0', '0', '0', '0', '0', '0', '0'};
        for (int i = key.length - 1, rest = k; rest > 0; i--, rest /= 10) {
            key[i] = (byte) ('0' + rest % 10);
        }
        return Bytes.wrap(key);
    }

    private byte[] put(Bytes key) {
        return codec.encode(new KvCommand.Put(null, key, Bytes.copyOf(new byte[VALUE_BYTES])));
    }

    @Test
    void capturingAMillionKeysAllocatesAlmostNothingOnTheApplyThread() {
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);
        KvStateMachine sm = KvStateMachine.create();
        long index = 0;
        for (int k = 0; k < KEYS; k++) {
            sm.apply(LogEntry.normal(++index, 1, put(key(k))));
        }
        // Warm up the code paths (class loading, first calls) on the big map itself.
        for (int i = 0; i < 3; i++) {
            sm.captureSnapshot();
            sm.apply(LogEntry.normal(++index, 1, put(key(i))));
        }
        byte[] newKey = put(key(KEYS));
        byte[] existingKey = put(key(KEYS / 2));

        long before = threads.getCurrentThreadAllocatedBytes();
        SnapshotSource capture = sm.captureSnapshot().orElseThrow();
        long captureBytes = threads.getCurrentThreadAllocatedBytes() - before;

        before = threads.getCurrentThreadAllocatedBytes();
        sm.apply(LogEntry.normal(++index, 1, newKey));
        long firstPutBytes = threads.getCurrentThreadAllocatedBytes() - before;
        before = threads.getCurrentThreadAllocatedBytes();
        sm.apply(LogEntry.normal(++index, 1, existingKey));
        long secondPutBytes = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(captureBytes).as("bytes allocated capturing %d keys", KEYS).isLessThan(2048);
        // A put allocates its decoded command and result anyway (~300 bytes); after a capture it also copies the
        // trie nodes on its key's path: 4-5 levels of at most 64 slots (~270 bytes) each for a million keys.
        assertThat(firstPutBytes).as("bytes allocated by the first put after the capture").isLessThan(4096);
        assertThat(secondPutBytes).as("bytes allocated by a put to another key after the capture").isLessThan(4096);

        assertThat(sm.size()).as("the live map has the new key").isEqualTo(KEYS + 1);
        assertThat(((KvSnapshotCapture) capture).lastAppliedIndex()).isEqualTo(index - 2);
        System.out.printf("allocated on the apply thread: capture of %d keys %d B, first put after it %d B,"
                + " a second put %d B%n", KEYS, captureBytes, firstPutBytes, secondPutBytes);
    }
}
