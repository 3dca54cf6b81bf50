package dev.sansraft.examples.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;

/**
 * What this machine allows any replicated log, before Raft does any work: the floors {@link EmbeddedBench}'s figures
 * sit on. It measures three things, each the median of {@code --runs} runs:
 * <ul>
 *   <li><b>sync</b>: the latency of one {@code fdatasync} ({@code FileChannel.force(false)}) after writing
 *   {@code --bytes} (by default about one append of 50 entries of 100 B) into a preallocated file, with
 *   {@code --writers} threads syncing their own file at once, as the three nodes of the embedded cluster do on one
 *   disk;</li>
 *   <li><b>rtt</b>: the round trip of 64 bytes over a loopback TCP connection (no delay), between two blocked threads,
 *   the least a message and its answer can cost;</li>
 *   <li><b>hand-off</b>: one thread waking another (an unpark the other returns from a park), the least a message
 *   costs each time it crosses from one thread to the next.</li>
 * </ul>
 *
 * <p>From these it prints ceilings at {@code --concurrency} operations in flight, by Little's law (throughput =
 * operations in flight / latency), each an upper bound: the real cycle adds the leader's own work, encoding, the
 * apply stage's work and the machine's other load.
 * <ul>
 *   <li><b>Any design.</b> A durable replicated write waits at least for one follower's sync and one round trip to
 *   it: writes cannot beat {@code C / (sync + rtt)}. A ReadIndex read waits at least for one heartbeat round, which a
 *   batch of reads shares: reads cannot beat {@code C / rtt}.</li>
 *   <li><b>This runtime.</b> Two thread hand-offs are kept on purpose. A follower syncs on its storage thread, not on
 *   the thread that reads the network, so that a slow disk never stops it hearing the leader; and a leader applies
 *   and completes futures on its apply thread, so that the state machine and the callers' callbacks never run on the
 *   network thread. A write crosses both ({@code C / (sync + rtt + 2 hand-offs)}), a read the second
 *   ({@code C / (rtt + 1 hand-off)}).</li>
 * </ul>
 *
 * <p>The sync floor is measured with one writer by default, the optimistic case; {@code RaftNode}'s metrics report
 * the sync a running cluster actually sees ({@code EmbeddedBench --node-metrics true}).
 *
 * <p>{@code java -cp raft-examples.jar dev.sansraft.examples.bench.MachineFloor [--dir DIR] [--writers 1]
 * [--bytes 5500] [--duration-ms 3000] [--samples 50000] [--concurrency 64] [--runs 3]}
 *
 * <p>Not thread-safe; a command-line tool. Files go to {@code --dir} (a temporary directory by default, so give the
 * disk the cluster uses) and are deleted afterwards.
 */
public final class MachineFloor {

    /** The measured floors of one run, in microseconds. */
    record Floors(double syncMicros, double rttMicros, double handoffMicros) {

        /** The write ceiling at {@code c} in flight with {@code handoffs} thread hand-offs on a write's path. */
        double writeCeiling(int c, int handoffs) {
            return ceiling(c, syncMicros + rttMicros + handoffs * handoffMicros);
        }

        /** The ReadIndex ceiling at {@code c} in flight with {@code handoffs} thread hand-offs on a read's path. */
        double readCeiling(int c, int handoffs) {
            return ceiling(c, rttMicros + handoffs * handoffMicros);
        }

        static Floors median(List<Floors> runs) {
            return new Floors(median(runs, Floors::syncMicros), median(runs, Floors::rttMicros),
                    median(runs, Floors::handoffMicros));
        }

        private static double median(List<Floors> runs, ToDoubleFunction<Floors> f) {
            double[] v = runs.stream().mapToDouble(f).sorted().toArray();
            return v[v.length / 2];
        }
    }

    /** What to measure; validated on construction. */
    record Options(Path dir, int writers, int bytes, long durationMillis, int samples, int concurrency, int runs) {

        Options {
            positive("--writers", writers);
            positive("--bytes", bytes);
            positive("--duration-ms", durationMillis);
            positive("--samples", samples);
            positive("--concurrency", concurrency);
            positive("--runs", runs);
        }

        private static void positive(String flag, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(flag + " must be positive, got " + value);
            }
        }

        static Options parse(String... args) {
            Path dir = null;
            int writers = 1;
            int bytes = 5_500;
            long durationMillis = 3_000;
            int samples = 50_000;
            int concurrency = 64;
            int runs = 3;
            if (args.length % 2 != 0) {
                throw new IllegalArgumentException("flags come in pairs (--flag value), got " + Arrays.toString(args));
            }
            for (int i = 0; i < args.length; i += 2) {
                String v = args[i + 1];
                try {
                    switch (args[i]) {
                        case "--dir" -> dir = Path.of(v);
                        case "--writers" -> writers = Integer.parseInt(v);
                        case "--bytes" -> bytes = Integer.parseInt(v);
                        case "--duration-ms" -> durationMillis = Long.parseLong(v);
                        case "--samples" -> samples = Integer.parseInt(v);
                        case "--concurrency" -> concurrency = Integer.parseInt(v);
                        case "--runs" -> runs = Integer.parseInt(v);
                        default -> throw new IllegalArgumentException("unknown flag " + args[i]
                                + "; known: --dir --writers --bytes --duration-ms --samples --concurrency --runs");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(args[i] + " takes a number, got '" + v + "'", e);
                }
            }
            return new Options(dir, writers, bytes, durationMillis, samples, concurrency, runs);
        }
    }

    /** The ring each sync writer overwrites. */
    private static final long PREALLOCATED_BYTES = 16L << 20;

    private MachineFloor() {
    }

    /**
     * Measures and prints the floors and the ceilings they imply.
     *
     * @param args the flags in the class comment
     * @throws Exception if the files or the loopback connection fail
     */
    public static void main(String[] args) throws Exception {
        run(Options.parse(args), System.out);
    }

    static Floors run(Options o, PrintStream out) throws IOException, InterruptedException {
        boolean ownDir = o.dir() == null;
        Path dir = ownDir ? Files.createTempDirectory("sansraft-machine-floor") : Files.createDirectories(o.dir());
        List<Floors> runs = new ArrayList<>();
        try {
            for (int run = 1; run <= o.runs(); run++) {
                Floors f = new Floors(syncMicros(dir, o.writers(), o.bytes(), o.durationMillis()),
                        rttMicros(o.samples()), handoffMicros(o.samples()));
                runs.add(f);
                out.printf(Locale.ROOT, "  run %d: %s%n", run, render(f, o.concurrency()));
            }
        } finally {
            if (ownDir) {
                Files.deleteIfExists(dir);
            }
        }
        Floors median = Floors.median(runs);
        out.printf(Locale.ROOT, "median of %d: %s%n", o.runs(), render(median, o.concurrency()));
        out.printf(Locale.ROOT, "sync = p50 fdatasync of %d B with %d writers at once; rtt = p50 loopback TCP round"
                + " trip; hand-off = p50 thread wake-up; ceilings by Little's law at %d in flight%n", o.bytes(),
                o.writers(), o.concurrency());
        return median;
    }

    private static String render(Floors f, int c) {
        return String.format(Locale.ROOT, "sync %.0f us, rtt %.0f us, hand-off %.1f us -> writes <= %,.0f/s (any"
                + " design) %,.0f/s (this runtime), ReadIndex reads <= %,.0f/s (any design) %,.0f/s (this runtime)",
                f.syncMicros(), f.rttMicros(), f.handoffMicros(), f.writeCeiling(c, 0), f.writeCeiling(c, 2),
                f.readCeiling(c, 0), f.readCeiling(c, 1));
    }

    /** Operations per second that {@code c} in flight complete when each takes {@code micros}. */
    static double ceiling(int c, double micros) {
        if (micros <= 0) {
            throw new IllegalArgumentException("a latency must be positive, got " + micros + " us");
        }
        return c * 1e6 / micros;
    }

    /** The median sync latency in µs, with {@code writers} threads each writing into and syncing its own file. */
    static double syncMicros(Path dir, int writers, int bytes, long durationMillis) throws InterruptedException {
        long end = System.nanoTime() + durationMillis * 1_000_000L;
        long[][] latencies = new long[writers][];
        int[] counts = new int[writers];
        Thread[] threads = new Thread[writers];
        AtomicReference<UncheckedIOException> failure = new AtomicReference<>();
        for (int w = 0; w < writers; w++) {
            int me = w;
            threads[w] = new Thread(() -> {
                Path file = dir.resolve("floor-" + me + ".log");
                long[] lat = new long[1024];
                int n = 0;
                ByteBuffer buf = ByteBuffer.allocateDirect(bytes);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    // Written and synced once up front, then overwritten in a ring: like FileLogStore's preallocated
                    // segments, a sync then carries data only, not a new file size for the journal.
                    long region = preallocate(ch, bytes);
                    long position = 0;
                    while (System.nanoTime() < end) {
                        buf.clear();
                        while (buf.hasRemaining()) {
                            position += ch.write(buf, position);
                        }
                        if (position + bytes > region) {
                            position = 0;
                        }
                        long start = System.nanoTime();
                        ch.force(false);
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = System.nanoTime() - start;
                    }
                } catch (IOException e) {
                    failure.set(new UncheckedIOException("sync floor: writing " + file + " failed", e));
                } finally {
                    latencies[me] = lat;
                    counts[me] = n;
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException e) {
                        // A leftover file only takes room; the measurement does not depend on it.
                    }
                }
            }, "floor-sync-" + w);
            threads[w].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int w = 0; w < writers; w++) {
            System.arraycopy(latencies[w], 0, all, at, counts[w]);
            at += counts[w];
        }
        return medianMicros(all);
    }

    /** Fills the start of {@code ch} with zeros and syncs it; returns the length filled. */
    private static long preallocate(FileChannel ch, int bytes) throws IOException {
        long region = Math.max(PREALLOCATED_BYTES, 2L * bytes);
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        for (long at = 0; at < region; ) {
            zeros.clear();
            zeros.limit((int) Math.min(zeros.capacity(), region - at));
            at += ch.write(zeros, at);
        }
        ch.force(true);
        return region;
    }

    /** The median round trip in µs of 64 bytes over loopback TCP, echoed by a second thread. */
    static double rttMicros(int samples) throws IOException, InterruptedException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread echo = new Thread(() -> {
                try (SocketChannel s = server.accept()) {
                    s.socket().setTcpNoDelay(true);
                    ByteBuffer b = ByteBuffer.allocateDirect(64);
                    while (true) {
                        b.clear();
                        while (b.hasRemaining()) {
                            if (s.read(b) < 0) {
                                return;
                            }
                        }
                        b.flip();
                        while (b.hasRemaining()) {
                            s.write(b);
                        }
                    }
                } catch (IOException e) {
                    // The client closed the connection: the measurement is over.
                }
            }, "floor-echo");
            echo.start();
            int warmup = Math.min(samples, 10_000);
            long[] lat = new long[samples];
            try (SocketChannel s = SocketChannel.open(server.getLocalAddress())) {
                s.socket().setTcpNoDelay(true);
                ByteBuffer b = ByteBuffer.allocateDirect(64);
                for (int i = 0; i < warmup + samples; i++) {
                    long start = System.nanoTime();
                    b.clear();
                    while (b.hasRemaining()) {
                        s.write(b);
                    }
                    b.clear();
                    while (b.hasRemaining()) {
                        if (s.read(b) < 0) {
                            throw new IOException("the echo thread closed the loopback connection");
                        }
                    }
                    if (i >= warmup) {
                        lat[i - warmup] = System.nanoTime() - start;
                    }
                }
            }
            echo.join();
            return medianMicros(lat);
        }
    }

    /** The median time in µs for one thread to wake another: half a park/unpark ping-pong. */
    static double handoffMicros(int samples) throws InterruptedException {
        int warmup = Math.min(samples, 10_000);
        int total = warmup + samples;
        // turn: even = the measuring thread's turn to serve, odd = the echo thread's.
        AtomicInteger turn = new AtomicInteger();
        Thread main = Thread.currentThread();
        Thread echo = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                while (turn.get() != 2 * i + 1) {
                    LockSupport.park();
                }
                turn.set(2 * i + 2);
                LockSupport.unpark(main);
            }
        }, "floor-handoff");
        echo.start();
        long[] lat = new long[samples];
        for (int i = 0; i < total; i++) {
            long start = System.nanoTime();
            turn.set(2 * i + 1);
            LockSupport.unpark(echo);
            while (turn.get() != 2 * i + 2) {
                LockSupport.park();
            }
            if (i >= warmup) {
                lat[i - warmup] = System.nanoTime() - start;
            }
        }
        echo.join();
        return medianMicros(lat) / 2;
    }

    private static double medianMicros(long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalStateException("no samples: the measurement ran for too short a time");
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1_000.0;
    }
}
