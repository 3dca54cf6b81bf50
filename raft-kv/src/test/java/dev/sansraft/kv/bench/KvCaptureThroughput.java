package dev.sansraft.kv.bench;

import dev.sansraft.core.LogEntry;
import dev.sansraft.kv.Bytes;
import dev.sansraft.kv.KvCommand;
import dev.sansraft.kv.KvCommandCodec;
import dev.sansraft.kv.KvStateMachine;
import dev.sansraft.node.SnapshotSource;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Apply throughput of one {@link KvStateMachine} with and without a snapshot streaming at the same time, and the
 * apply-thread pause a synchronous {@code writeSnapshot} would cause instead. The map is pre-filled with {@code keys}
 * 16-byte keys and {@code valueBytes}-byte values; puts replace random keys. In the streaming phase the apply thread
 * captures a new snapshot whenever the previous one has finished streaming (as a runtime snapshotting continuously
 * would), and one other thread streams it to a sink that discards the bytes.
 *
 * <p>Usage: {@code KvCaptureThroughput [keys=1000000] [seconds=5] [valueBytes=100] [phases=plain,stream,plain]
 * [keyOrder=sequential]} ({@code plain}: no stream; {@code stream}: streaming; keys {@code sequential}, "key-" and
 * 12 digits, or {@code random}, 16 random bytes), each phase after a 2 s warm-up. Besides applies per second
 * of wall time it reports applies per second of the apply thread's CPU time, which a shared, loaded machine distorts
 * far less.
 */
public final class KvCaptureThroughput {

    private static final int COMMANDS = 1 << 16;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private KvCaptureThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int valueBytes = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        String[] phases = (args.length > 3 ? args[3] : "plain,stream,plain").split(",");
        boolean randomKeys = args.length > 4 && args[4].equals("random");
        if (args.length > 4 && !randomKeys && !args[4].equals("sequential")) {
            throw new IllegalArgumentException("unknown key order " + args[4] + ", expected sequential or random");
        }
        KvCommandCodec codec = KvCommandCodec.withDefaultLimits();
        Random random = new Random(1);
        byte[] value = new byte[valueBytes];
        KvStateMachine machine = KvStateMachine.create();
        long index = 0;
        Bytes[] keyOf = new Bytes[keys];
        for (int k = 0; k < keys; k++) {
            keyOf[k] = randomKeys ? randomKey(random) : key(k);
            random.nextBytes(value);
            machine.apply(LogEntry.normal(++index, 1, codec.encode(new KvCommand.Put(null, keyOf[k],
                    Bytes.copyOf(value)))));
        }
        byte[][] puts = new byte[COMMANDS][];
        for (int i = 0; i < COMMANDS; i++) {
            random.nextBytes(value);
            puts[i] = codec.encode(new KvCommand.Put(null, keyOf[random.nextInt(keys)], Bytes.copyOf(value)));
        }
        keyOf = null;
        Run run = new Run(machine, puts, index);

        for (int i = 0; i < 3; i++) {
            long pauseStart = System.nanoTime();
            long pauseCpuStart = CPU.getCurrentThreadCpuTime();
            machine.writeSnapshot(new Discard());
            System.out.printf("%,d %s keys, values %d B: synchronous writeSnapshot %d pauses the apply thread"
                            + " %.0f ms (%.0f ms of its CPU)%n", keys, randomKeys ? "random" : "sequential",
                    valueBytes, i + 1, (System.nanoTime() - pauseStart) / 1e6,
                    (CPU.getCurrentThreadCpuTime() - pauseCpuStart) / 1e6);
        }

        ExecutorService streamer = Executors.newSingleThreadExecutor();
        try {
            for (String phase : phases) {
                boolean streaming = phase.equals("stream");
                if (!streaming && !phase.equals("plain")) {
                    throw new IllegalArgumentException("unknown phase " + phase + ", expected plain or stream");
                }
                report(streaming ? "streaming" : "no stream", run.measure(seconds, streaming ? streamer : null));
            }
        } finally {
            streamer.shutdownNow();
            streamer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static void report(String phase, Result r) {
        System.out.printf("%-10s %,12.0f applies/s, %,12.0f applies per CPU-second", phase, r.applies / r.seconds,
                r.applies / r.cpuSeconds);
        if (r.streams > 0) {
            System.out.printf("   %d snapshots streamed, %.0f ms each on average, capture at most %.1f us",
                    r.streams, r.streamNanos / 1e6 / r.streams, r.maxCaptureNanos / 1e3);
        }
        System.out.println();
    }

    private static Bytes randomKey(Random random) {
        byte[] key = new byte[16];
        random.nextBytes(key);
        return Bytes.copyOf(key);
    }

    private static Bytes key(int k) {
        return Bytes.ofUtf8(String.format("key-%012d", k));
    }

    private record Result(long applies, double seconds, double cpuSeconds, int streams, long streamNanos,
                          long maxCaptureNanos) {
    }

    /** The apply loop; all on the calling (apply) thread except the streaming. */
    private static final class Run {
        private final KvStateMachine machine;
        private final byte[][] puts;
        private long index;
        private int next;

        Run(KvStateMachine machine, byte[][] puts, long index) {
            this.machine = machine;
            this.puts = puts;
            this.index = index;
        }

        Result measure(int seconds, ExecutorService streamer) throws Exception {
            loop(2, streamer); // warm-up
            return loop(seconds, streamer);
        }

        private Result loop(int seconds, ExecutorService streamer) throws Exception {
            long start = System.nanoTime();
            long cpuStart = CPU.getCurrentThreadCpuTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long applies = 0;
            int streams = 0;
            long streamNanos = 0;
            long maxCaptureNanos = 0;
            Future<Long> inFlight = null;
            while (true) {
                for (int i = 0; i < 256; i++) {
                    machine.apply(LogEntry.normal(++index, 1, puts[next++ & (COMMANDS - 1)]));
                }
                applies += 256;
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                if (streamer != null && (inFlight == null || inFlight.isDone())) {
                    if (inFlight != null) {
                        streamNanos += inFlight.get();
                        streams++;
                    }
                    long captureStart = System.nanoTime();
                    SnapshotSource source = machine.captureSnapshot().orElseThrow();
                    maxCaptureNanos = Math.max(maxCaptureNanos, System.nanoTime() - captureStart);
                    inFlight = streamer.submit(() -> stream(source));
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            double cpu = (CPU.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            if (inFlight != null) {
                inFlight.get(); // unfinished at the end: not counted
            }
            return new Result(applies, elapsed, cpu, streams, streamNanos, maxCaptureNanos);
        }

        private static long stream(SnapshotSource source) {
            long t = System.nanoTime();
            try {
                source.writeTo(new Discard());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return System.nanoTime() - t;
        }
    }

    /** Discards what it is given, like a fast disk that costs nothing. */
    private static final class Discard extends OutputStream {
        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
