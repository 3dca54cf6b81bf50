package dev.sansraft.kv.bench;

import dev.sansraft.core.LogEntry;
import dev.sansraft.kv.Bytes;
import dev.sansraft.kv.KvCommand;
import dev.sansraft.kv.KvCommandCodec;
import dev.sansraft.kv.KvStateMachine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Time to write and to read back a snapshot of 100,000 keys with 100-byte values (about 12.5 MB), to capture one for
 * streaming elsewhere, and to compute the digest of that state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KvSnapshotBenchmark {

    private KvStateMachine machine;
    private ByteArrayOutputStream out;
    private byte[] snapshot;

    @Setup
    public void setUp() throws IOException {
        KvCommandCodec codec = KvCommandCodec.withDefaultLimits();
        machine = KvStateMachine.create();
        Random random = new Random(1);
        byte[] value = new byte[100];
        for (int k = 0; k < 100_000; k++) {
            random.nextBytes(value);
            machine.apply(LogEntry.normal(k + 1, 1, codec.encode(new KvCommand.Put(null,
                    Bytes.ofUtf8(String.format("key-%011d", k)), Bytes.copyOf(value)))));
        }
        out = new ByteArrayOutputStream(16 << 20);
        machine.writeSnapshot(out);
        snapshot = out.toByteArray();
    }

    @Benchmark
    public int writeSnapshot() throws IOException {
        out.reset();
        machine.writeSnapshot(out);
        return out.size();
    }

    @Benchmark
    public long readSnapshot() throws IOException {
        KvStateMachine restored = KvStateMachine.create();
        restored.readSnapshot(new ByteArrayInputStream(snapshot));
        return restored.lastAppliedIndex();
    }

    /** Capturing (what the apply thread pays for a snapshot streamed elsewhere); the capture is then dropped. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Object captureSnapshot() {
        return machine.captureSnapshot().orElseThrow();
    }

    @Benchmark
    public long digest() {
        return machine.digest();
    }
}
