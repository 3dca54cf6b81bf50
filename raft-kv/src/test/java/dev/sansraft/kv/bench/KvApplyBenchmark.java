package dev.sansraft.kv.bench;

import dev.sansraft.core.LogEntry;
import dev.sansraft.kv.Bytes;
import dev.sansraft.kv.GetResult;
import dev.sansraft.kv.KvCommand;
import dev.sansraft.kv.KvCommandCodec;
import dev.sansraft.kv.KvResult;
import dev.sansraft.kv.KvStateMachine;
import dev.sansraft.kv.SessionTag;
import dev.sansraft.node.SnapshotSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of one replica's command path: encoding a put as the client does, decoding it, and applying it to a
 * {@link KvStateMachine} (decode, session check, map update, result encoding), plus a query. Single-threaded, as the
 * apply thread is. Keys are drawn from {@code keys} distinct 16-byte keys; values are {@code valueBytes} long.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class KvApplyBenchmark {

    private static final int COMMANDS = 4096; // pre-encoded, cycled

    @Param({"100"})
    int valueBytes;

    @Param({"100000"})
    int keys;

    private final KvCommandCodec codec = KvCommandCodec.withDefaultLimits();
    private KvCommand[] commands;
    private byte[][] plain;
    private byte[][] queries;
    private KvStateMachine machine;
    private long index;
    private long sequence;
    private int next;
    private long clientId;
    private byte[] keyScratch;
    private byte[] value;
    private SnapshotSource liveCapture;

    @Setup
    public void setUp() {
        Random random = new Random(1);
        clientId = random.nextLong();
        commands = new KvCommand[COMMANDS];
        plain = new byte[COMMANDS][];
        queries = new byte[COMMANDS][];
        value = new byte[valueBytes];
        random.nextBytes(value);
        for (int i = 0; i < COMMANDS; i++) {
            Bytes key = key(random.nextInt(keys));
            commands[i] = new KvCommand.Put(new SessionTag(clientId, i + 1, i + 1), key, Bytes.copyOf(value));
            plain[i] = codec.encode(new KvCommand.Put(null, key, Bytes.copyOf(value)));
            queries[i] = codec.encode(new KvCommand.Get(null, key));
        }
        machine = KvStateMachine.create();
        keyScratch = new byte[16];
        // Fill the map so that gets hit and puts replace.
        for (int k = 0; k < keys; k++) {
            machine.apply(LogEntry.normal(++index, 1, codec.encode(new KvCommand.Put(null, key(k),
                    Bytes.copyOf(value)))));
        }
    }

    private static Bytes key(int k) {
        return Bytes.ofUtf8(String.format("key-%011d", k));
    }

    /** Client side: build and encode a session put (what {@code KvStore.put} does before proposing). */
    @Benchmark
    public byte[] encodeSessionPut() {
        KvCommand c = commands[next++ & (COMMANDS - 1)];
        return codec.encode(c);
    }

    /** Replica side: decode only. */
    @Benchmark
    public KvCommand decodePut() {
        return codec.decode(plain[next++ & (COMMANDS - 1)]);
    }

    /** Replica side: apply a put without a session (decode, map update, encode the result). */
    @Benchmark
    public byte[] applyPut() {
        return machine.apply(LogEntry.normal(++index, 1, plain[next++ & (COMMANDS - 1)]));
    }

    /**
     * {@link #applyPut} while a snapshot capture is always alive: every 4096th put first captures a new one (kept in
     * a field until the next, as a stream in progress would keep it), so puts pay the copy-on-write of the trie
     * paths they touch first after each capture. No streaming runs, so this isolates the apply thread's extra cost.
     */
    @Benchmark
    public byte[] applyPutWithCaptureAlive() {
        if ((next & 4095) == 0) {
            liveCapture = machine.captureSnapshot().orElseThrow();
        }
        return machine.apply(LogEntry.normal(++index, 1, plain[next++ & (COMMANDS - 1)]));
    }

    /**
     * Replica side: apply a session put (adds the session lookup, acknowledgement and saved response). The encoding
     * is included, because each sequence number needs its own bytes.
     */
    @Benchmark
    public byte[] encodeAndApplySessionPut() {
        KvCommand.Put c = (KvCommand.Put) commands[next++ & (COMMANDS - 1)];
        long seq = ++sequence;
        byte[] payload = codec.encode(new KvCommand.Put(new SessionTag(clientId, seq, seq), c.key(), c.value()));
        return machine.apply(LogEntry.normal(++index, 1, payload));
    }

    /** Replica side: answer a get query and decode the answer as the client does. */
    @Benchmark
    public KvResult queryAndDecodeGet() {
        KvResult r = codec.decodeResult(machine.query(queries[next++ & (COMMANDS - 1)]));
        if (!(r instanceof GetResult) || !((GetResult) r).found()) {
            throw new IllegalStateException("expected a hit, got " + r);
        }
        return r;
    }
}
