package dev.sansraft.node;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link StateMachine} snapshot contract as an embedder would implement it: a copy-on-write state captured on
 * the apply thread and streamed on another thread while applying continues, then restored.
 */
class SnapshotCaptureTest {

    /** Keeps a running sum and count; every apply replaces an immutable value, so a capture is a reference copy. */
    static final class SumMachine implements StateMachine {
        record State(long sum, long count) {
        }

        private volatile State state = new State(0, 0);

        @Override
        public byte[] apply(LogEntry entry) {
            State s = state;
            state = new State(s.sum + entry.payload()[0], s.count + 1);
            return new byte[0];
        }

        @Override
        public Optional<SnapshotSource> captureSnapshot() {
            State frozen = state;
            return Optional.of(out -> write(frozen, out));
        }

        @Override
        public void writeSnapshot(OutputStream out) throws IOException {
            write(state, out);
        }

        private static void write(State s, OutputStream out) throws IOException {
            DataOutputStream data = new DataOutputStream(out);
            data.writeLong(s.sum);
            data.writeLong(s.count);
            data.flush();
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            DataInputStream data = new DataInputStream(in);
            state = new State(data.readLong(), data.readLong());
        }
    }

    private static LogEntry entry(long index, int value) {
        return LogEntry.normal(index, 1, new byte[] {(byte) value});
    }

    @Test
    void aCapturedSnapshotStreamsTheStateAtCaptureWhileApplyingContinues() throws Exception {
        SumMachine machine = new SumMachine();
        for (int i = 1; i <= 10; i++) {
            machine.apply(entry(i, i));
        }
        SnapshotSource source = machine.captureSnapshot().orElseThrow();
        for (int i = 11; i <= 20; i++) {
            machine.apply(entry(i, 100));
        }
        InMemorySnapshotStore store = new InMemorySnapshotStore();
        SnapshotMeta meta = CompletableFuture.supplyAsync(() -> {
            try (SnapshotWriter w = store.begin(10, 1, List.of(1L))) {
                source.writeTo(w);
                return w.commit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get();
        assertThat(meta.sizeBytes()).isEqualTo(16);

        SumMachine restored = new SumMachine();
        try (SnapshotReader r = store.openNewest().orElseThrow()) {
            restored.restoreSnapshot(r);
        }
        assertThat(restored.state).as("state at the capture, not after the later applies")
                .isEqualTo(new SumMachine.State(55, 10));
        assertThat(machine.state).isEqualTo(new SumMachine.State(55 + 1000, 20));
    }

    @Test
    void aStateMachineWithoutCaptureFallsBackToTheSynchronousWrite() throws IOException {
        StateMachine plain = new StateMachine() {
            @Override
            public byte[] apply(LogEntry entry) {
                return new byte[0];
            }

            @Override
            public void writeSnapshot(OutputStream out) throws IOException {
                out.write(7);
            }
        };
        assertThat(plain.captureSnapshot()).isEmpty();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        plain.writeSnapshot(out);
        assertThat(out.toByteArray()).containsExactly(7);
    }
}
