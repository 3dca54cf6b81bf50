package dev.sansraft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sansraft.core.LogEntry;
import dev.sansraft.sim.linearizability.KvModel;
import dev.sansraft.sim.linearizability.KvModel.Input;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The simulator's own store and raft-kv's state machine give the results {@link KvModel} specifies. */
class KvBackendTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void bothBackendsAgreeWithTheModelOnRandomOperations(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        KvBackend sim = new SimStateMachine();
        KvBackend kv = new RaftKvBackend();
        KvModel model = new KvModel();
        long[] state = new long[3];
        for (int i = 1; i <= 300; i++) {
            int key = r.nextInt(3);
            Input in;
            int pick = r.nextInt(3);
            if (pick == 0) {
                in = Input.get(key);
            } else if (pick == 1 || state[key] == KvModel.ABSENT) {
                in = Input.put(key, 1000L + i);
            } else {
                in = Input.cas(key, r.nextBoolean() ? state[key] : 7, 1000L + i);
            }
            KvModel.Output a = sim.apply(LogEntry.normal(i, 1, sim.encode(in, 0, i)));
            KvModel.Output b = kv.apply(LogEntry.normal(i, 1, kv.encode(in, 0, i)));
            assertThat(b).as("seed %d op %d %s", seed, i, in).isEqualTo(a);
            Long next = model.step(state[key], in, a);
            assertThat(next).as("seed %d op %d %s -> %s allowed by the model", seed, i, in, a).isNotNull();
            state[key] = next;
            assertThat(kv.get(key)).isEqualTo(sim.get(key)).isEqualTo(state[key]);
        }
    }

    @Test
    void raftKvAppliesARetriedWriteOnce() {
        KvBackend kv = new RaftKvBackend();
        byte[] first = kv.encode(Input.put(0, 5), 3, 1);
        kv.apply(LogEntry.normal(1, 1, first));
        kv.apply(LogEntry.normal(2, 1, kv.encode(Input.put(0, 6), 4, 1)));
        // The same client operation (client 3, sequence 1) committed again after a retry must not take effect twice.
        kv.apply(LogEntry.normal(3, 1, first));
        assertThat(kv.get(0)).isEqualTo(6);
        assertThat(kv.apply(LogEntry.normal(4, 1, "not a command".getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                .as("harness payloads are not commands").isNull();
    }

    @Test
    void bothBackendsDecodeClientWritesAndOnlyRaftKvDedupes() {
        for (KvBackend b : new KvBackend[] {new SimStateMachine(), new RaftKvBackend()}) {
            String name = b.getClass().getSimpleName();
            assertThat(b.clientWrite(LogEntry.normal(1, 1, b.encode(Input.put(2, 77), 3, 9)))).as(name)
                    .isEqualTo(new KvBackend.ClientWrite(3, 9, 2, 77));
            assertThat(b.clientWrite(LogEntry.normal(2, 1, b.encode(Input.cas(1, 5, 88), 0, 4)))).as(name)
                    .isEqualTo(new KvBackend.ClientWrite(0, 4, 1, 88));
            assertThat(b.clientWrite(LogEntry.normal(3, 1, b.encode(Input.get(1), 0, 5)))).as(name).isNull();
            assertThat(b.clientWrite(LogEntry.normal(4, 1, new byte[] {1, 2, 3}))).as(name).isNull();
        }
        assertThat(new RaftKvBackend().dedupesRetries()).isTrue();
        assertThat(new SimStateMachine().dedupesRetries()).isFalse();
    }

    @Test
    void raftKvIgnoresARetryOfAnAcknowledgedWrite() {
        KvBackend kv = new RaftKvBackend();
        byte[] first = kv.encode(Input.put(0, 5), 3, 1);
        kv.apply(LogEntry.normal(1, 1, first));
        kv.apply(LogEntry.normal(2, 1, kv.encode(Input.put(0, 6), 3, 2)));
        // Sequence 2 acknowledged sequence 1: a late copy of 1 is refused as stale, has no result and no effect.
        assertThat(kv.apply(LogEntry.normal(3, 1, first))).isNull();
        assertThat(kv.get(0)).isEqualTo(6);
    }

    /** Applies 200 random client writes (keys 0-4) at indexes 1..200 with clients 0-2. */
    private static void applyRandomWrites(KvBackend backend, long seed, long from, long to) {
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = from; i <= to; i++) {
            Input in = Input.put(r.nextInt(5), 1000L + i);
            backend.apply(LogEntry.normal(i, 1, backend.encode(in, (int) (i % 3), i)));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aRestoredSnapshotHasTheSameStateDigestAndFutureAsTheOriginal(boolean raftKv) {
        KvBackend original = raftKv ? new RaftKvBackend() : new SimStateMachine();
        applyRandomWrites(original, 11, 1, 120);
        byte[] snapshot = original.writeSnapshot();
        KvBackend restored = raftKv ? new RaftKvBackend() : new SimStateMachine();
        restored.restoreSnapshot(snapshot);
        assertThat(restored.appliedIndex()).isEqualTo(120);
        assertThat(restored.digest()).as("digest after restore").isEqualTo(original.digest());
        assertThat(restored.writeSnapshot()).as("snapshot bytes are deterministic").isEqualTo(snapshot);
        for (int key = 0; key < 5; key++) {
            assertThat(restored.get(key)).as("key %d", key).isEqualTo(original.get(key));
        }
        applyRandomWrites(original, 12, 121, 150);
        applyRandomWrites(restored, 12, 121, 150);
        assertThat(restored.digest()).as("digest after the same further entries").isEqualTo(original.digest());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void digestsDifferAfterDifferentEntries(boolean raftKv) {
        KvBackend a = raftKv ? new RaftKvBackend() : new SimStateMachine();
        KvBackend b = raftKv ? new RaftKvBackend() : new SimStateMachine();
        applyRandomWrites(a, 21, 1, 50);
        applyRandomWrites(b, 21, 1, 49);
        assertThat(b.digest()).as("one entry behind").isNotEqualTo(a.digest());
        b.apply(LogEntry.normal(50, 1, b.encode(Input.put(0, 424242), 0, 50)));
        assertThat(b.digest()).as("a different entry at index 50").isNotEqualTo(a.digest());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCaptureStreamedLaterHoldsTheStateAtTheCapture(boolean raftKv) {
        KvBackend backend = raftKv ? new RaftKvBackend() : new SimStateMachine();
        applyRandomWrites(backend, 31, 1, 60);
        long digestAtCapture = backend.digest();
        byte[] written = backend.writeSnapshot();
        Supplier<byte[]> capture = backend.captureSnapshot();
        applyRandomWrites(backend, 32, 61, 90);
        byte[] streamed = capture.get();
        assertThat(streamed).as("bytes streamed after 30 more applies").isEqualTo(written);
        KvBackend restored = raftKv ? new RaftKvBackend() : new SimStateMachine();
        restored.restoreSnapshot(streamed);
        assertThat(restored.digest()).isEqualTo(digestAtCapture);
        assertThat(restored.appliedIndex()).isEqualTo(60);
    }
}
