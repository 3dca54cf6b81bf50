package dev.sansraft.storage.file.bench;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.storage.file.FileLogStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Throughput and open-time benchmark for {@link FileLogStore}, as a main class:
 * <ul>
 *   <li>append + {@code sync()} after every batch, for 100-byte and 4 KiB entries at 1, 16 and 256 entries per
 *       batch, and three of these shapes again with the tail's preallocation off;</li>
 *   <li>1 MiB batches, next to a raw {@link FileChannel} loop that writes 1 MiB and forces it, and a raw streaming
 *       write with one force at the end;</li>
 *   <li>group commit: many client threads each wait until their single 100-byte entry is durable, while one writer
 *       thread appends whatever has queued and syncs once per round;</li>
 *   <li>the time to open a 1 GiB log (written first, deleted afterwards).</li>
 * </ul>
 * Arguments: {@code [workDir] [secondsPerCase] [rounds]} (defaults: under {@code java.io.tmpdir}, 1, 3); every
 * case runs once per round, rounds interleave the cases, and the median round is reported.
 * Not thread-safe; run once per JVM.
 */
public final class FileLogBench {

    private static final long MIB = 1 << 20;

    private final Path root;
    private final double secondsPerCase;
    private final int rounds;

    private FileLogBench(Path root, double secondsPerCase, int rounds) {
        this.root = root;
        this.secondsPerCase = secondsPerCase;
        this.rounds = rounds;
    }

    public static void main(String[] args) throws Exception {
        Path root = args.length > 0 ? Path.of(args[0])
                : Path.of(System.getProperty("java.io.tmpdir"), "sansraft-bench-" + ProcessHandle.current().pid());
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        FileLogBench bench = new FileLogBench(root, seconds, rounds);
        try {
            bench.run();
        } finally {
            deleteTree(root);
        }
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "FileLogBench dir=%s secondsPerCase=%.1f rounds=%d cores=%d%n", root,
                secondsPerCase, rounds, Runtime.getRuntime().availableProcessors());
        batchCase(100, 256, 0.5); // warm-up, not reported
        Map<String, Case> cases = new LinkedHashMap<>();
        for (int size : new int[] {100, 4096}) {
            for (int batch : new int[] {1, 16, 256}) {
                cases.put("store " + size + " B x " + batch + " per batch, sync each", s -> batchCase(size, batch, s));
            }
        }
        // The same shapes on a growing tail file: each sync's fdatasync then also commits the size change.
        cases.put("store 100 B x 1, sync each, no prealloc", s -> batchCase(100, 1, s, false));
        cases.put("store 100 B x 16, sync each, no prealloc", s -> batchCase(100, 16, s, false));
        cases.put("store 4096 B x 256, sync each, no prealloc", s -> batchCase(4096, 256, s, false));
        cases.put("raw 100 B append+force(false)", s -> rawAppendForce(100, s));
        cases.put("raw 4096 B append+force(false)", s -> rawAppendForce(4096, s));
        cases.put("store 1 MiB x 1 per batch, sync each", s -> batchCase(1 << 20, 1, s));
        cases.put("raw 1 MiB write+force(false)", this::rawForcedMiB);
        cases.put("raw 256 MiB stream, one force", s -> rawStreaming(256));
        cases.put("group commit 100 B, 64 waiting clients", s -> groupCommit(100, 64, s));
        cases.put("pipelined 100 B x 16, syncer thread", s -> pipelined(100, 16, s));
        cases.put("pipelined 1 MiB x 1, syncer thread", s -> pipelined(1 << 20, 1, s));
        // Rounds interleave every case, so that load from other users of a shared disk hits all of them alike.
        Map<String, List<Result>> results = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Case> c : cases.entrySet()) {
                results.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(c.getValue().run(secondsPerCase));
            }
        }
        System.out.printf(Locale.ROOT, "%-44s %14s %12s %24s%n", "case (median of " + rounds + " rounds)",
                "entries/s", "MiB/s", "entries/s min..max");
        Map<String, Result> medians = new LinkedHashMap<>();
        for (Map.Entry<String, List<Result>> e : results.entrySet()) {
            List<Result> sorted = new ArrayList<>(e.getValue());
            sorted.sort(Comparator.comparingDouble(Result::entriesPerSecond));
            Result median = sorted.get(sorted.size() / 2);
            medians.put(e.getKey(), median);
            System.out.printf(Locale.ROOT, "%-44s %14.0f %12.1f %11.0f..%.0f%s%n", e.getKey(),
                    median.entriesPerSecond(), median.mibPerSecond(), sorted.get(0).entriesPerSecond(),
                    sorted.get(sorted.size() - 1).entriesPerSecond(), median.note());
        }
        double rawForced = medians.get("raw 1 MiB write+force(false)").mibPerSecond();
        double stream = medians.get("raw 256 MiB stream, one force").mibPerSecond();
        double mib = medians.get("store 1 MiB x 1 per batch, sync each").mibPerSecond();
        double fourK = medians.get("store 4096 B x 256 per batch, sync each").mibPerSecond();
        double piped = medians.get("pipelined 1 MiB x 1, syncer thread").mibPerSecond();
        System.out.printf(Locale.ROOT, "1 MiB batches: 1 x 1 MiB = %.0f%% and 256 x 4 KiB = %.0f%% of raw 1 MiB"
                + " write+force; %.0f%% and %.0f%% of the raw stream%n", 100 * mib / rawForced, 100 * fourK / rawForced,
                100 * mib / stream, 100 * fourK / stream);
        System.out.printf(Locale.ROOT, "1 MiB batches with group commit (pipelined): %.0f%% of the raw stream%n",
                100 * piped / stream);
        openTime(100);
        openTime(4096);
    }

    private interface Case {
        Result run(double seconds) throws Exception;
    }

    private record Result(String name, long entries, long payloadBytes, long nanos, String note) {
        Result(String name, long entries, long payloadBytes, long nanos) {
            this(name, entries, payloadBytes, nanos, "");
        }

        double mibPerSecond() {
            return payloadBytes / (nanos / 1e9) / MIB;
        }

        double entriesPerSecond() {
            return entries / (nanos / 1e9);
        }
    }

    private Path freshDir(String name) throws IOException {
        Path dir = root.resolve(name);
        deleteTree(dir);
        Files.createDirectories(dir);
        return dir;
    }

    /** Shared payload per size, built once, so that the timed loops measure the store and not the benchmark. */
    private static final Map<Integer, byte[]> PAYLOADS = new HashMap<>();

    private static List<LogEntry> batchOf(long from, int count, int size) {
        List<LogEntry> out = new ArrayList<>(count);
        byte[] payload = PAYLOADS.computeIfAbsent(size, n -> {
            byte[] p = new byte[n];
            for (int i = 0; i < n; i++) {
                p[i] = (byte) (i * 31);
            }
            return p;
        });
        for (int i = 0; i < count; i++) {
            out.add(new LogEntry(from + i, 1, EntryKind.NORMAL, payload));
        }
        return out;
    }

    /** Appends batches of {@code batch} entries of {@code size} bytes, syncing after each, for a while. */
    private Result batchCase(int size, int batch, double seconds) throws IOException {
        return batchCase(size, batch, seconds, true);
    }

    /** With {@code preallocate} false the tail grows with every append, as it did before preallocation existed. */
    private Result batchCase(int size, int batch, double seconds, boolean preallocate) throws IOException {
        Path dir = freshDir("batch-" + size + "-" + batch);
        long entries = 0;
        long started;
        long elapsed;
        try (FileLogStore store = preallocate ? FileLogStore.open(dir)
                : FileLogStore.builder(dir).preallocateBytes(0).open()) {
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            started = System.nanoTime();
            long next = 1;
            do {
                store.append(batchOf(next, batch, size));
                store.sync();
                next += batch;
                entries += batch;
            } while (System.nanoTime() < deadline);
            elapsed = System.nanoTime() - started;
        }
        deleteTree(dir);
        return new Result(String.format(Locale.ROOT, "append+sync %7d B x %3d per batch", size, batch), entries,
                entries * size, elapsed);
    }

    /** A bare FileChannel loop appending {@code size} bytes and forcing after each: the per-sync floor. */
    private Result rawAppendForce(int size, double seconds) throws IOException {
        Path dir = freshDir("raw-small");
        Path file = dir.resolve("raw.bin");
        ByteBuffer buf = ByteBuffer.allocateDirect(size);
        long writes = 0;
        long elapsed;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            long started = System.nanoTime();
            long pos = 0;
            do {
                buf.clear();
                while (buf.hasRemaining()) {
                    pos += ch.write(buf, pos);
                }
                ch.force(false);
                writes++;
            } while (System.nanoTime() < deadline);
            elapsed = System.nanoTime() - started;
        }
        deleteTree(dir);
        return new Result("raw FileChannel " + size + " B append+force(false)", writes, writes * size, elapsed);
    }

    /**
     * The pattern of a Raft leader: one thread appends 16-entry batches without waiting, another calls
     * {@code sync()} in a loop; everything appended while a force is in flight rides on the next one. Counts only
     * entries a finished sync covered.
     */
    private Result pipelined(int size, int batch, double seconds) throws Exception {
        Path dir = freshDir("pipelined");
        AtomicLong durable = new AtomicLong();
        AtomicLong syncs = new AtomicLong();
        long elapsed;
        try (FileLogStore store = FileLogStore.open(dir)) {
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            Thread syncer = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        long covered = store.lastIndex();
                        if (covered == durable.get()) {
                            Thread.onSpinWait();
                            continue;
                        }
                        store.sync();
                        durable.set(covered);
                        syncs.incrementAndGet();
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "bench-syncer");
            long started = System.nanoTime();
            syncer.start();
            long next = 1;
            // Bounded run-ahead, as Raft's in-flight limit would impose: at most 64k entries or 64 MiB not durable.
            long maxAhead = Math.min(65_536, Math.max(1, (64 * MIB) / size));
            while (System.nanoTime() < deadline) {
                if (next - 1 - durable.get() >= maxAhead) {
                    Thread.onSpinWait();
                    continue;
                }
                store.append(batchOf(next, batch, size));
                next += batch;
            }
            syncer.join();
            elapsed = System.nanoTime() - started;
        }
        deleteTree(dir);
        long entries = durable.get();
        return new Result("pipelined", entries, entries * size, elapsed, String.format(Locale.ROOT,
                "  (%.0f entries per sync)", entries / (double) Math.max(1, syncs.get())));
    }

    /** The same 1 MiB write + force pattern on a bare FileChannel: the ceiling for 1 MiB batches. */
    private Result rawForcedMiB(double seconds) throws IOException {
        Path dir = freshDir("raw");
        Path file = dir.resolve("raw.bin");
        ByteBuffer buf = ByteBuffer.allocateDirect((int) MIB);
        long writes = 0;
        long elapsed;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            long started = System.nanoTime();
            long pos = 0;
            do {
                buf.clear();
                while (buf.hasRemaining()) {
                    pos += ch.write(buf, pos);
                }
                ch.force(false);
                writes++;
            } while (System.nanoTime() < deadline);
            elapsed = System.nanoTime() - started;
        }
        deleteTree(dir);
        return new Result("raw FileChannel 1 MiB write+force(false)", writes, writes * MIB, elapsed);
    }

    /** Raw sequential bandwidth: {@code mib} MiB written in 1 MiB writes, one force at the end. */
    private Result rawStreaming(int mib) throws IOException {
        Path dir = freshDir("stream");
        Path file = dir.resolve("stream.bin");
        ByteBuffer buf = ByteBuffer.allocateDirect((int) MIB);
        long elapsed;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long started = System.nanoTime();
            long pos = 0;
            for (int i = 0; i < mib; i++) {
                buf.clear();
                while (buf.hasRemaining()) {
                    pos += ch.write(buf, pos);
                }
            }
            ch.force(false);
            elapsed = System.nanoTime() - started;
        }
        deleteTree(dir);
        return new Result("raw FileChannel " + mib + " MiB stream, one force", mib, mib * MIB, elapsed);
    }

    /**
     * {@code clients} threads each propose one entry at a time and wait until it is durable; one writer thread
     * appends everything queued since its last round and syncs once for all of it.
     */
    private Result groupCommit(int size, int clients, double seconds) throws Exception {
        Path dir = freshDir("group");
        Object monitor = new Object();
        long[] queued = {0};
        AtomicLong durable = new AtomicLong();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        AtomicLong committed = new AtomicLong();
        long started;
        long elapsed;
        try (FileLogStore store = FileLogStore.open(dir)) {
            Thread writer = new Thread(() -> {
                long written = 0;
                try {
                    while (System.nanoTime() < deadline || written < queuedNow(monitor, queued)) {
                        long target;
                        synchronized (monitor) {
                            while (queued[0] == written && System.nanoTime() < deadline) {
                                monitor.wait(1);
                            }
                            target = queued[0];
                        }
                        if (target > written) {
                            store.append(batchOf(written + 1, (int) (target - written), size));
                            store.sync();
                            written = target;
                        }
                        synchronized (monitor) {
                            durable.set(written);
                            monitor.notifyAll();
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, "bench-writer");
            started = System.nanoTime();
            writer.start();
            for (int c = 0; c < clients; c++) {
                Thread t = new Thread(() -> {
                    try {
                        while (System.nanoTime() < deadline) {
                            long mine;
                            synchronized (monitor) {
                                mine = ++queued[0];
                                monitor.notifyAll();
                                while (durable.get() < mine) {
                                    monitor.wait();
                                }
                            }
                            committed.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "bench-client-" + c);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            writer.join();
            elapsed = System.nanoTime() - started;
        }
        deleteTree(dir);
        return new Result("group commit " + size + " B, " + clients + " waiting clients", committed.get(),
                committed.get() * size, elapsed);
    }

    private static long queuedNow(Object monitor, long[] queued) {
        synchronized (monitor) {
            return queued[0];
        }
    }

    /**
     * Writes a 1 GiB log of {@code size}-byte entries and times two opens: after a clean close (every segment
     * sealed, so only indexes are read) and of a copy taken while the store was still open, which is what a crash
     * after the last sync leaves (the newest segment unsealed, so it is scanned record by record).
     */
    private void openTime(int size) throws IOException {
        Path dir = freshDir("open-" + size);
        Path crashCopy = root.resolve("open-" + size + "-crash");
        long target = 1L << 30;
        int batch = (int) Math.max(1, MIB / (size + 25));
        long next = 1;
        long writeStarted = System.nanoTime();
        try (FileLogStore store = FileLogStore.open(dir)) {
            long bytes = 0;
            while (bytes < target) {
                store.append(batchOf(next, batch, size));
                next += batch;
                bytes += (long) batch * (size + 25);
            }
            store.sync();
            Files.createDirectories(crashCopy);
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.collect(Collectors.toList())) {
                    Files.copy(p, crashCopy.resolve(p.getFileName()));
                }
            }
        }
        double writeSeconds = (System.nanoTime() - writeStarted) / 1e9;
        long onDisk;
        try (Stream<Path> s = Files.list(dir)) {
            onDisk = s.mapToLong(p -> p.toFile().length()).sum();
        }
        for (Path d : List.of(dir, crashCopy)) {
            long started = System.nanoTime();
            try (FileLogStore store = FileLogStore.open(d)) {
                double openMillis = (System.nanoTime() - started) / 1e6;
                long last = store.lastIndex();
                long readStarted = System.nanoTime();
                store.entries(1, Math.min(last + 1, 1001), Long.MAX_VALUE);
                store.entries(last - 999, last + 1, Long.MAX_VALUE);
                System.out.printf(Locale.ROOT, "open of a %.2f GiB log of %d-byte entries (%d entries), %s: %.1f ms"
                                + " (log written in %.1f s; first read of 2x1000 entries %.1f ms)%n",
                        onDisk / (double) (1L << 30), size, last,
                        d.equals(dir) ? "after a clean close" : "after a crash (tail scanned)", openMillis,
                        writeSeconds, (System.nanoTime() - readStarted) / 1e6);
            }
        }
        deleteTree(dir);
        deleteTree(crashCopy);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
