package dev.sansraft.transport.tcp.bench;

import dev.sansraft.transport.tcp.InMemoryHandshake;
import dev.sansraft.transport.tcp.ThrowawayCa;
import dev.sansraft.transport.tcp.TransportTls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which buffers make JDK's {@code SSLEngine} fastest: wraps and unwraps 1 MiB of plaintext in records of a given size
 * between two engines of one TLS 1.3 session, in memory, for the four combinations of heap or direct plaintext
 * ("app") and record ("net") buffers. The engine encrypts in place in the record buffer, so that is the one whose kind
 * matters. Times are the thread's CPU time, not wall time, so that a shared machine's preemptions do not count; the
 * combinations are interleaved round by round, and each line is the median over the rounds after the first, which
 * only warms the JIT up. {@code --suite=NAME} restricts the session to one TLS 1.3 cipher suite (the JDK's default
 * order puts {@code TLS_AES_256_GCM_SHA384} first).
 *
 * <p>Not run by {@code mvn verify}. From the repository root, after {@code test-compile}:
 * <pre>
 * java -cp raft-transport-tcp/target/test-classes:raft-transport-tcp/target/classes:raft-core/target/classes:\
 * $HOME/.m2/repository/org/slf4j/slf4j-api/2.0.20/slf4j-api-2.0.20.jar \
 *   dev.sansraft.transport.tcp.bench.TlsEngineBench [record bytes, default 16384] [rounds, default 7] \
 *   [--suite=TLS_AES_128_GCM_SHA256]
 * </pre>
 */
public final class TlsEngineBench {

    private static final int PLAINTEXT_BYTES = 1 << 20;
    private static final long ROUND_NANOS = 1_500_000_000L;

    /** The only cipher suite the client offers, or null for the JDK's defaults. */
    private static String suite;

    private TlsEngineBench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> positional = Arrays.stream(args).filter(a -> !a.startsWith("--")).toList();
        int recordBytes = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 16_384;
        int rounds = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 7;
        suite = Arrays.stream(args).filter(a -> a.startsWith("--suite=")).map(a -> a.substring(8)).findFirst()
                .orElse(null);
        Path dir = Files.createTempDirectory("tls-engine-bench");
        ThrowawayCa ca = ThrowawayCa.create(dir, "bench CA", 2);
        ThrowawayCa.Issued one = ca.issueNode(1);
        ThrowawayCa.Issued two = ca.issueNode(2);
        SSLContext client = TransportTls.fromPem(one.certificateChain(), one.privateKey(), ca.caPem()).context();
        SSLContext server = TransportTls.fromPem(two.certificateChain(), two.privateKey(), ca.caPem()).context();
        System.out.printf("java %s, %d-byte records, %d rounds of %.1f s CPU per combination, suite %s%n",
                System.getProperty("java.version"), recordBytes, rounds, ROUND_NANOS / 1e9,
                suite == null ? "JDK default" : suite);
        List<List<double[]>> results = new ArrayList<>();
        for (int mode = 0; mode < 4; mode++) {
            results.add(new ArrayList<>());
        }
        for (int round = 0; round < rounds; round++) {
            for (int mode = 0; mode < 4; mode++) {
                double[] mbPerSecond = measure(client, server, (mode & 1) != 0, (mode & 2) != 0, recordBytes);
                if (round > 0) {
                    results.get(mode).add(mbPerSecond);
                }
            }
        }
        for (int mode = 0; mode < 4; mode++) {
            List<double[]> r = results.get(mode);
            System.out.printf("app %-6s net %-6s  wrap %,6.0f MB per CPU-second  unwrap %,6.0f  (median of %d)%n",
                    (mode & 1) != 0 ? "direct" : "heap", (mode & 2) != 0 ? "direct" : "heap",
                    median(r, 0), median(r, 1), r.size());
        }
    }

    /** Returns {wrap, unwrap} in MB per CPU-second of this thread over one round. */
    private static double[] measure(SSLContext clientContext, SSLContext serverContext, boolean appDirect,
                                    boolean netDirect, int recordBytes) throws Exception {
        SSLEngine client = clientContext.createSSLEngine();
        client.setUseClientMode(true);
        client.setEnabledProtocols(new String[]{TransportTls.PROTOCOL});
        if (suite != null) {
            client.setEnabledCipherSuites(new String[]{suite});
        }
        SSLEngine server = serverContext.createSSLEngine();
        server.setUseClientMode(false);
        server.setNeedClientAuth(true);
        server.setEnabledProtocols(new String[]{TransportTls.PROTOCOL});
        InMemoryHandshake.run(client, server);
        ByteBuffer plaintext = allocate(appDirect, PLAINTEXT_BYTES);
        ByteBuffer records = allocate(netDirect, 2 * PLAINTEXT_BYTES);
        ByteBuffer received = allocate(appDirect, PLAINTEXT_BYTES + client.getSession().getApplicationBufferSize());
        long wrapNanos = 0;
        long unwrapNanos = 0;
        long bytes = 0;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long end = threads.getCurrentThreadCpuTime() + ROUND_NANOS;
        while (threads.getCurrentThreadCpuTime() < end) {
            plaintext.clear();
            records.clear();
            received.clear();
            long t0 = threads.getCurrentThreadCpuTime();
            while (plaintext.hasRemaining()) {
                int limit = plaintext.limit();
                plaintext.limit(Math.min(limit, plaintext.position() + recordBytes));
                check(client.wrap(plaintext, records));
                plaintext.limit(limit);
            }
            long t1 = threads.getCurrentThreadCpuTime();
            records.flip();
            while (records.hasRemaining()) {
                check(server.unwrap(records, received));
            }
            long t2 = threads.getCurrentThreadCpuTime();
            if (received.position() != PLAINTEXT_BYTES) {
                throw new IllegalStateException("unwrapped " + received.position() + " bytes of " + PLAINTEXT_BYTES);
            }
            wrapNanos += t1 - t0;
            unwrapNanos += t2 - t1;
            bytes += PLAINTEXT_BYTES;
        }
        return new double[]{bytes * 1e3 / wrapNanos, bytes * 1e3 / unwrapNanos};
    }

    private static void check(SSLEngineResult result) {
        if (result.getStatus() != SSLEngineResult.Status.OK) {
            throw new IllegalStateException("engine returned " + result);
        }
    }

    private static ByteBuffer allocate(boolean direct, int bytes) {
        return direct ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes);
    }

    private static double median(List<double[]> rows, int column) {
        double[] values = rows.stream().mapToDouble(r -> r[column]).toArray();
        Arrays.sort(values);
        return values[values.length / 2];
    }
}
