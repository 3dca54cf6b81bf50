package dev.sansraft.sim;

import dev.sansraft.core.RaftConfig;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator benchmark: {@code java -cp <raft-sim classpath> dev.sansraft.sim.SimBench [--entries N] [--batch B]
 * [--seeds S] [--runtime]}; with {@code --runtime} only the first figure, measured on real RaftNodes
 * ({@link NodeSwarmRun}) instead.
 *
 * <ol>
 *   <li><b>Simulated events per CPU second</b> of the swarm (5 nodes, faults, clients, every invariant checked after
 *   every event, linearizability checked at the end).</li>
 *   <li><b>Core throughput</b>: a calm 3-node cluster committing 100-byte proposals handed to the leader in batches
 *   through {@code RaftCore.stepAll}, in committed entries per CPU second, once with invariant checks off (the
 *   simulator as a thin runtime) and once with them on. It also reports the share of CPU spent inside
 *   {@code RaftCore.step}. Each throughput figure is measured three times, since the first run of a size still pays
 *   for JIT compilation.</li>
 * </ol>
 * CPU time is the whole process's (so garbage collection and JIT threads count against the figure), read from the
 * platform's {@code OperatingSystemMXBean}; the wall clock is only used for the share of time inside the core and
 * never inside a run.
 */
public final class SimBench {

    private SimBench() {
    }

    /**
     * Runs the benchmark and prints its figures.
     *
     * @param args ignored; the parameters are fixed in the code
     */
    public static void main(String[] args) {
        long entries = 2_000_000;
        int batch = 1_000;
        int seeds = 100;
        boolean runtime = false;
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals("--runtime")) {
                runtime = true;
                i--;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("flag " + args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--entries": entries = Long.parseLong(args[i + 1]); break;
                case "--batch": batch = Integer.parseInt(args[i + 1]); break;
                case "--seeds": seeds = Integer.parseInt(args[i + 1]); break;
                default: throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (runtime) {
            runtimeSwarm(seeds);
            return;
        }
        // Warm up the JIT on both workloads.
        for (long s = 1; s <= 10; s++) {
            SwarmRun.run(s, 200, 5, "swarm");
        }
        throughput(200_000, batch, false);

        long cpu0 = processCpuNanos();
        long events = 0;
        for (long s = 1000; s < 1000 + seeds; s++) {
            events += SwarmRun.run(s, 300, 5, "swarm").events();
        }
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        System.out.printf("swarm: %d seeds x 300 ticks, 5 nodes: %d events in %.2f CPU s = %.0f simulated events/CPU s"
                + "%n", seeds, events, cpu, events / cpu);

        // Three measured runs each: the first of a size still pays for some JIT compilation.
        for (int run = 0; run < 3; run++) {
            throughput(entries, batch, false);
        }
        for (int run = 0; run < 3; run++) {
            throughput(entries / 4, batch, true);
        }
        for (int run = 0; run < 3; run++) {
            throughput(entries / 4, batch, false, 16);
        }
    }

    /**
     * {@code --runtime}: the swarm's simulated events per CPU second on real RaftNodes ({@link NodeSwarmRun}), on the
     * same seeds, ticks and node count as the first figure.
     */
    private static void runtimeSwarm(int seeds) {
        for (long s = 1; s <= 10; s++) {
            NodeSwarmRun.run(s, 200, 5, "swarm");
        }
        long cpu0 = processCpuNanos();
        long events = 0;
        for (long s = 1000; s < 1000 + seeds; s++) {
            events += NodeSwarmRun.run(s, 300, 5, "swarm").events();
        }
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        System.out.printf("runtime swarm (real RaftNodes): %d seeds x 300 ticks, 5 nodes: %d events in %.2f CPU s ="
                + " %.0f simulated events/CPU s%n", seeds, events, cpu, events / cpu);
    }

    /**
     * Drops log entries every node has applied, as a snapshot would, so that a long run measures the replication
     * path rather than the garbage collector copying an ever-growing log. Safe only in a calm run: no follower can
     * need an entry below the lowest applied index.
     */
    private static void compactApplied(SimCluster c) {
        long min = Long.MAX_VALUE;
        for (long id = 1; id <= c.size(); id++) {
            min = Math.min(min, c.node(id).stateMachine.appliedIndex());
        }
        for (long id = 1; id <= c.size(); id++) {
            SimNode n = c.node(id);
            long upTo = Math.min(min - 1, Math.min(n.log.lastIndex(), n.disk.durableLog().lastIndex()));
            if (upTo >= n.log.firstIndex()) {
                n.log.compactPrefix(upTo);
            }
            if (upTo >= n.disk.durableLog().firstIndex()) {
                n.disk.durableLog().compactPrefix(upTo);
            }
        }
    }

    private static long gcMillis() {
        long total = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** Commits {@code entries} 100-byte proposals on a calm 3-node cluster; prints entries per CPU second. */
    static void throughput(long entries, int batch, boolean checks) {
        throughput(entries, batch, checks, 0);
    }

    /**
     * As {@link #throughput(long, int, boolean)}, with {@code reads} linearizable reads (ReadIndex, no lease) in the
     * leader's batch with every batch of proposals, so that their read round rides on the appends.
     */
    static void throughput(long entries, int batch, boolean checks, int reads) {
        SimOptions options = SimOptions.builder()
                .raftConfig(RaftConfig.builder().maxUncommittedBytes(1L << 30)
                        // compactApplied stands in for snapshots; real ones would race it for the same prefix.
                        .snapshotEntries(0).snapshotBytes(0).build())
                .latency(100, 200).jitterMicros(0).diskLatency(100, 100)
                .checkInvariants(checks).recentEventCount(8).build();
        SimCluster c = SimCluster.create(3, 42, options);
        long leader = c.checkOneLeader();
        byte[] payload = new byte[100];
        List<byte[]> payloads = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            payloads.add(payload);
        }
        SimNode leaderNode = c.node(leader);
        long start = leaderNode.stateMachine.appliedIndex();
        long target = start + entries;
        long window = 64L * batch;
        long proposed = start;
        c.engine().measureCoreNanos = true;
        c.engine().coreNanos = 0;
        long events0 = c.eventsProcessed();
        long cpu0 = processCpuNanos();
        long wall0 = System.nanoTime();
        long gc0 = gcMillis();
        long rounds = 0;
        long readIds = 0;
        long requests0 = c.appendRequestsSent();
        long responses0 = c.appendResponsesSent();
        long messages0 = c.messagesSent();
        while (leaderNode.stateMachine.appliedIndex() < target) {
            if (proposed < target && proposed - leaderNode.stateMachine.appliedIndex() < window) {
                proposed += c.proposeBatch(leader, payloads, reads, readIds + 1);
                readIds += reads;
            }
            c.runForMicros(50);
            if (!checks && ++rounds % 256 == 0) {
                compactApplied(c);
            }
        }
        long gc = gcMillis() - gc0;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        double wall = (System.nanoTime() - wall0) / 1e9;
        long committed = leaderNode.stateMachine.appliedIndex() - start;
        System.out.printf("calm 3 nodes, 100-byte entries, batch %d, %d reads per batch, invariants %s: %d committed in"
                        + " %.2f CPU s = %.0f entries/CPU s (%.2f s wall, %d ms in GC); %d events; %.0f%% of wall time"
                        + " inside RaftCore.step; %d messages, %d AppendRequests, %d AppendResponses%n", batch, reads,
                checks ? "on" : "off", committed, cpu, committed / cpu, wall, gc, c.eventsProcessed() - events0,
                100.0 * c.engine().coreNanos / 1e9 / wall, c.messagesSent() - messages0,
                c.appendRequestsSent() - requests0, c.appendResponsesSent() - responses0);
    }
}
