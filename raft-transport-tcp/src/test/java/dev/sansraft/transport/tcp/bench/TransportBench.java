package dev.sansraft.transport.tcp.bench;

import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.Message.AppendRequest;
import dev.sansraft.core.Message.InstallSnapshot;
import dev.sansraft.core.SnapshotInfo;
import dev.sansraft.transport.tcp.TcpTransport;
import dev.sansraft.transport.tcp.ThrowawayCa;
import dev.sansraft.transport.tcp.TransportTls;
import dev.sansraft.transport.tcp.TransportCounters;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Throughput of one link between two {@link TcpTransport}s on loopback: node 1 sends, node 2 receives, with a
 * window of messages in flight so that nothing is dropped. Reports messages/s, frame MB/s and the process CPU time
 * divided by wall time (cores used by both transports and the sending thread together), the throughput per
 * CPU-second, and the bytes the receiving selector thread allocates per message (decoding included).
 *
 * <p>With {@code --tls} every case runs in plaintext and over mutual TLS 1.3 (certificates made with keytool in a
 * temporary directory) in the same JVM: first one warm-up run of each, whose figures are not counted, then
 * {@code --runs} measured pairs, plaintext and TLS alternating so that a shared machine's drift hits both alike. A
 * summary line per case gives the medians and the median of the pairs' TLS shares. {@code cpu ns/msg} is the process
 * CPU time (both transports, the sender) per delivered message; the system load average is printed with each case.
 *
 * <p>The warm-up matters for TLS. Earlier runs with one second of warm-up were bimodal for 100-byte messages (TLS at
 * 20% to 108% of plaintext): counted in the slow runs, the records were full (about 60 frames per 16 KiB record, so
 * frames were already coalesced) but each cost about 140 µs to wrap, some fifteen times the cost once the AES-GCM
 * code is compiled, which on a loaded machine can take several seconds to happen.
 *
 * <p>Not run by {@code mvn verify}. From the repository root:
 * <pre>
 * mvn -o -q -pl raft-transport-tcp -am test-compile
 * java -cp raft-transport-tcp/target/test-classes:raft-transport-tcp/target/classes:raft-core/target/classes:\
 * $HOME/.m2/repository/org/slf4j/slf4j-api/2.0.20/slf4j-api-2.0.20.jar \
 *   dev.sansraft.transport.tcp.bench.TransportBench [seconds per run, default 5] [--tls] [--runs=N, default 1]
 *   [--warmup=SECONDS, default 3] [--case=TEXT: only the cases whose name contains TEXT, for example "100 B"]
 * </pre>
 */
public final class TransportBench {

    /** Runs only the cases whose name contains this; empty runs every case. */
    private static String caseFilter = "";
    private static int runs = 1;
    private static int warmupSeconds = 3;

    private TransportBench() {
    }

    /** One measured run: delivered messages per wall second and process CPU nanoseconds per message. */
    private record Result(double messagesPerSecond, double cpuNanosPerMessage) {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 5;
        boolean tls = List.of(args).contains("--tls");
        caseFilter = option(args, "--case=", "");
        runs = Integer.parseInt(option(args, "--runs=", "1"));
        warmupSeconds = Integer.parseInt(option(args, "--warmup=", "3"));
        System.out.printf("java %s, %d available processors%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        TransportTls[] certs = tls ? certificates() : null;
        // 100-byte entries: the small-message case of issue 15.
        byte[] small = new byte[100];
        new SplittableRandom(3).nextBytes(small);
        compare("append (one 100 B entry)", seconds, 50_000,
                round -> new AppendRequest(1, 2, 7, round, 7, List.of(LogEntry.normal(round + 1, 7, small)), round,
                        round), certs);
        compare("heartbeat (empty AppendRequest, 71 B frame)", seconds, 50_000,
                round -> new AppendRequest(1, 2, 7, 1000, 7, List.of(), 1000, round), certs);
        byte[] payload = new byte[64 * 1024];
        new SplittableRandom(1).nextBytes(payload);
        compare("append (one 64 KiB entry, 65,619 B frame)", seconds, 256,
                round -> new AppendRequest(1, 2, 7, round, 7, List.of(LogEntry.normal(round + 1, 7, payload)), round,
                        round), certs);
        // A fresh array per chunk, as the runtime reads each chunk from the snapshot store into a new one.
        byte[] chunk = new byte[1 << 20];
        new SplittableRandom(2).nextBytes(chunk);
        SnapshotInfo snapshot = new SnapshotInfo(1_000_000, 7, List.of(1L, 2L, 3L), Long.MAX_VALUE / 2, 0);
        compare("snapshot chunk (1 MiB InstallSnapshot, 1,048,678 B frame)", seconds, 4,
                round -> new InstallSnapshot(1, 2, 7, snapshot, round << 20, chunk.clone()), certs);
    }

    /**
     * Runs the case in plaintext and, if {@code certs} is given, over TLS: warm-up runs first, then {@link #runs}
     * alternating pairs, then the medians and the TLS share.
     */
    private static void compare(String name, int seconds, int window, LongFunction<Message> message,
                                TransportTls[] certs) throws Exception {
        if (!name.contains(caseFilter)) {
            return;
        }
        System.out.printf("%s  (load average %.2f)%n", name, loadAverage());
        if (warmupSeconds > 0) {
            run("  warm-up plaintext", warmupSeconds, window, message, null);
            if (certs != null) {
                run("  warm-up TLS", warmupSeconds, window, message, certs);
            }
        }
        List<Result> plain = new ArrayList<>();
        List<Result> tls = new ArrayList<>();
        List<Double> shares = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            Result p = run("  run " + i + " plaintext", seconds, window, message, null);
            plain.add(p);
            if (certs != null) {
                Result t = run("  run " + i + " TLS", seconds, window, message, certs);
                tls.add(t);
                shares.add(t.messagesPerSecond() / p.messagesPerSecond());
            }
        }
        System.out.printf("  median of %d: plaintext %,.0f msg/s %,.0f cpu ns/msg", runs,
                median(plain, Result::messagesPerSecond), median(plain, Result::cpuNanosPerMessage));
        if (certs != null) {
            System.out.printf(", TLS %,.0f msg/s %,.0f cpu ns/msg; TLS keeps %.0f%% of plaintext throughput"
                            + " (median of the pairs' shares %s)",
                    median(tls, Result::messagesPerSecond), median(tls, Result::cpuNanosPerMessage),
                    100 * median(shares, Double::doubleValue), percentages(shares));
        }
        System.out.printf("  (load average %.2f)%n", loadAverage());
    }

    private static <T> double median(List<T> values, ToDoubleFunction<T> field) {
        double[] sorted = values.stream().mapToDouble(field).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static String percentages(List<Double> shares) {
        return shares.stream().map(s -> String.format("%.0f%%", 100 * s)).collect(Collectors.joining(" "));
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static String option(String[] args, String prefix, String otherwise) {
        return Arrays.stream(args).filter(a -> a.startsWith(prefix)).map(a -> a.substring(prefix.length()))
                .findFirst().orElse(otherwise);
    }

    /** Node 1 and node 2 certificates of a throwaway CA. */
    private static TransportTls[] certificates() throws Exception {
        Path dir = Files.createTempDirectory("transport-bench-tls");
        ThrowawayCa ca = ThrowawayCa.create(dir, "bench CA", 2);
        TransportTls[] certs = new TransportTls[2];
        for (int id = 1; id <= 2; id++) {
            ThrowawayCa.Issued issued = ca.issueNode(id);
            certs[id - 1] = TransportTls.fromPem(issued.certificateChain(), issued.privateKey(), ca.caPem());
        }
        return certs;
    }

    private static Result run(String name, int seconds, int window, LongFunction<Message> message,
                              TransportTls[] certs) throws Exception {
        ServerSocketChannel l1 = bind();
        ServerSocketChannel l2 = bind();
        TcpTransport.Builder b1 = TcpTransport.builder().nodeId(1).clusterId("bench").listen(l1)
                .peer(2, (InetSocketAddress) l2.getLocalAddress());
        TcpTransport.Builder b2 = TcpTransport.builder().nodeId(2).clusterId("bench").listen(l2)
                .peer(1, (InetSocketAddress) l1.getLocalAddress());
        if (certs != null) {
            b1.tls(certs[0]);
            b2.tls(certs[1]);
        }
        try (TcpTransport t1 = b1.build(); TcpTransport t2 = b2.build()) {
            Receiver receiver = new Receiver();
            t1.start(m -> { });
            t2.start(receiver);
            // Connect (and, with TLS, handshake) before the clock starts: one message through.
            t1.send(message.apply(0));
            while (receiver.count < 1) {
                LockSupport.parkNanos(1_000_000);
            }
            // A second at full speed before the clock starts, so that both links run at their steady rates.
            long round = send(t1, receiver, message, window, 1, System.nanoTime() + 1_000_000_000L);
            TransportCounters before = t2.counters();
            long allocatedBefore = allocatedBytes(receiver.threadId);
            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            round = send(t1, receiver, message, window, round, start + seconds * 1_000_000_000L);
            receiver.awaitBelow(round);
            long wall = System.nanoTime() - start;
            long cpu = processCpuNanos() - cpuBefore;
            long allocated = allocatedBytes(receiver.threadId) - allocatedBefore;
            TransportCounters after = t2.counters();
            long messages = after.messagesReceived() - before.messagesReceived();
            long bytes = after.bytesReceived() - before.bytesReceived();
            double secs = wall / 1e9;
            double cpuSecs = cpu / 1e9;
            // Per CPU-second figures stay meaningful on a shared machine where the process gets a varying share.
            System.out.printf("%-22s %,12.0f msg/s %9.1f MB/s  cpu %.2f cores  cpu %,.0f ns/msg  per cpu-second:"
                            + " %,.0f msg, %.1f MB  receiver allocates %,.0f B/msg  (%,d messages in %.2f s,"
                            + " dropped %d)%n",
                    name, messages / secs, bytes / secs / 1e6, cpuSecs / secs, (double) cpu / messages,
                    messages / cpuSecs, bytes / cpuSecs / 1e6, (double) allocated / messages, messages, secs,
                    t1.counters().messagesDropped());
            return new Result(messages / secs, (double) cpu / messages);
        }
    }

    private static long send(TcpTransport t1, Receiver receiver, LongFunction<Message> message, int window,
                             long firstRound, long until) {
        long round = firstRound;
        // Look at the clock every few messages (never more than a window's worth: 1 MiB chunks take milliseconds each).
        int perClockCheck = Math.min(1000, window);
        while (System.nanoTime() < until) {
            for (int i = 0; i < perClockCheck; i++) {
                if (round - receiver.count >= window) {
                    receiver.awaitBelow(round - window / 2);
                }
                t1.send(message.apply(round++));
            }
        }
        return round;
    }

    private static ServerSocketChannel bind() throws Exception {
        return ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long allocatedBytes(long threadId) {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(
                threadId);
    }

    /**
     * Counts deliveries and remembers the thread that makes them; {@link #accept} is called only by node 2's selector
     * thread. The sender waits in {@link #awaitBelow} until the receiver has caught up to half a window below it, and
     * the receiver wakes it then. The sender used to poll with {@code parkNanos(1 µs)}, which sleeps some 60 µs a
     * time: thousands of futex calls and context switches per second, charged to the transport in {@code cpu ns/msg}
     * and growing with the time a message takes (about 40 a message for a 1 MiB chunk over TLS, a quarter of the
     * process CPU time in one measured run).
     */
    private static final class Receiver implements java.util.function.Consumer<Message> {
        volatile long count;
        volatile long threadId;
        /** The count at which the waiting sender wants to be woken, or Long.MAX_VALUE when it does not wait. */
        private volatile long wakeAt = Long.MAX_VALUE;
        private volatile Thread waiter;

        @Override
        public void accept(Message m) {
            threadId = Thread.currentThread().getId();
            long c = count + 1;
            count = c;
            if (c >= wakeAt) {
                wakeAt = Long.MAX_VALUE;
                LockSupport.unpark(waiter);
            }
        }

        /** Blocks the sending thread until {@link #count} reaches {@code target}. */
        void awaitBelow(long target) {
            waiter = Thread.currentThread();
            wakeAt = target;
            // Re-checked after publishing wakeAt: a delivery in between either sees it and wakes us, or is seen here.
            while (count < target) {
                // Bounded, so that a wake-up lost to a race costs at most a millisecond.
                LockSupport.parkNanos(1_000_000);
            }
            wakeAt = Long.MAX_VALUE;
        }
    }
}
