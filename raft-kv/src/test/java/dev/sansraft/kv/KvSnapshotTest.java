package dev.sansraft.kv;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class KvSnapshotTest {

    private final KvCommandCodec codec = KvCommandCodec.withDefaultLimits();

    /** Applies {@code count} seeded random commands (with occasional corrupt payloads) starting after index 0. */
    private void feed(KvStateMachine sm, RandomCommands gen, long fromIndex, int count) {
        for (long i = fromIndex; i < fromIndex + count; i++) {
            byte[] payload = codec.encode(gen.command());
            if (gen.random().nextInt(50) == 0) {
                payload[gen.random().nextInt(payload.length)] ^= 0x55;
            }
            sm.apply(LogEntry.normal(i, 1, payload));
        }
    }

    private static byte[] snapshot(KvStateMachine sm) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sm.writeSnapshot(out);
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void snapshotRoundTripKeepsDigestAndBehaviour(long seed) throws IOException {
        KvStateMachine original = KvStateMachine.builder().maxResponsesPerSession(8).build();
        feed(original, new RandomCommands(seed, 200, 64, 5), 1, 3000);
        byte[] bytes = snapshot(original);

        KvStateMachine restored = KvStateMachine.builder().maxResponsesPerSession(8).build();
        restored.apply(LogEntry.normal(1, 1, codec.encode(new KvCommand.Put(null, Bytes.ofUtf8("junk"),
                Bytes.EMPTY))));
        restored.readSnapshot(new ByteArrayInputStream(bytes));
        assertThat(restored.digest()).as("seed %d", seed).isEqualTo(original.digest());
        assertThat(restored.lastAppliedIndex()).isEqualTo(3000);
        assertThat(restored.size()).isEqualTo(original.size());
        assertThat(restored.sessionCount()).isEqualTo(original.sessionCount()).isPositive();
        assertThat(snapshot(restored)).as("seed %d: snapshots are deterministic", seed).isEqualTo(bytes);

        // Both continue identically, including duplicate detection from restored sessions.
        RandomCommands next1 = new RandomCommands(seed * 31, 200, 64, 5);
        RandomCommands next2 = new RandomCommands(seed * 31, 200, 64, 5);
        for (long i = 3001; i <= 4000; i++) {
            byte[] payload = codec.encode(next1.command());
            assertThat(restored.apply(LogEntry.normal(i, 1, codec.encode(next2.command()))))
                    .as("seed %d index %d", seed, i).isEqualTo(original.apply(LogEntry.normal(i, 1, payload)));
        }
        assertThat(restored.digest()).isEqualTo(original.digest());
    }

    @Test
    void restoredSessionReturnsTheSavedResponseForARetry() throws IOException {
        KvStateMachine original = KvStateMachine.create();
        KvCommand put = new KvCommand.Put(new SessionTag(9, 1, 1), Bytes.ofUtf8("a"), Bytes.ofUtf8("1"));
        byte[] first = original.apply(LogEntry.normal(1, 1, codec.encode(put)));
        KvStateMachine restored = KvStateMachine.create();
        restored.readSnapshot(new ByteArrayInputStream(snapshot(original)));
        assertThat(restored.apply(LogEntry.normal(2, 1, codec.encode(put)))).isEqualTo(first);
    }

    @Test
    void snapshotIsReadExactlySoItCanBeEmbeddedInALongerStream() throws IOException {
        KvStateMachine sm = KvStateMachine.create();
        feed(sm, new RandomCommands(5, 20, 16, 2), 1, 100);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sm.writeSnapshot(out);
        out.write(new byte[]{42, 43});
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        KvStateMachine restored = KvStateMachine.create();
        restored.readSnapshot(in);
        assertThat(in.read()).isEqualTo(42);
        assertThat(restored.digest()).isEqualTo(sm.digest());
    }

    @ParameterizedTest
    @ValueSource(longs = {6, 7})
    void corruptOrTruncatedSnapshotIsRejectedAndLeavesStateUnchanged(long seed) throws IOException {
        KvStateMachine source = KvStateMachine.create();
        feed(source, new RandomCommands(seed, 30, 16, 3), 1, 200);
        byte[] bytes = snapshot(source);
        KvStateMachine target = KvStateMachine.create();
        feed(target, new RandomCommands(seed + 100, 30, 16, 3), 1, 50);
        long before = target.digest();
        Random random = new Random(seed);
        for (int i = 0; i < 300; i++) {
            byte[] bad;
            if (i % 3 == 0) {
                bad = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            } else {
                bad = bytes.clone();
                int at = random.nextInt(bad.length);
                bad[at] = (byte) (bad[at] ^ (1 + random.nextInt(255)));
            }
            try {
                target.readSnapshot(new ByteArrayInputStream(bad));
                fail("seed " + seed + " case " + i + ": corrupt snapshot accepted");
            } catch (KvSnapshotException expected) {
                assertThat(expected.getMessage()).contains("corrupt kv snapshot");
                assertThat(expected.offset()).isBetween(0L, (long) bytes.length);
            }
            assertThat(target.digest()).as("seed %d case %d", seed, i).isEqualTo(before);
        }
    }

    @Test
    void snapshotOverTheReadersLimitsIsRejected() throws IOException {
        KvStateMachine big = KvStateMachine.create();
        big.apply(LogEntry.normal(1, 1, codec.encode(new KvCommand.Put(null, Bytes.ofUtf8("k"),
                Bytes.copyOf(new byte[100])))));
        KvStateMachine small = KvStateMachine.builder().limits(new KvLimits(16, 16)).build();
        assertThatThrownBy(() -> small.readSnapshot(new ByteArrayInputStream(snapshot(big))))
                .isInstanceOf(KvSnapshotException.class).hasMessageContaining("value length 100 outside 0..16");
    }
}
