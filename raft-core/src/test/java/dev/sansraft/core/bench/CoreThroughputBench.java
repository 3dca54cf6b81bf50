package dev.sansraft.core.bench;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.HardState;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.core.RaftCore;
import dev.sansraft.core.Role;
import dev.sansraft.core.SnapshotInfo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Core throughput (issue 17 item 6): three {@link RaftCore}s driven by one thread, no runtime, no threads, no I/O.
 * It measures <b>committed entries per CPU second</b> of that thread: what the pure protocol costs per entry when
 * nothing else does.
 *
 * <p>The driver is an instant, lossless world. Each node has an inbox of events; the driver visits the nodes in
 * turn and hands each its whole inbox with {@link RaftCore#stepAll}, as a runtime draining its queue does. Sends go
 * to the target's inbox. Log writes are applied to the node's {@link InMemoryLog} and reported durable at once with an
 * {@link Event.Persisted} queued behind them (an instant disk with group commit); {@link Action.TakeSnapshot} is
 * reported saved at once too, so the core compacts as a node with a snapshot store does and the logs stay small.
 * Applied entries are only counted (a state machine that does nothing). The leader is elected first (by ticks); then
 * proposals of {@code payloadBytes} (one shared array, so the generator costs next to nothing) go to the leader's
 * inbox in batches, with at most two batches uncommitted at a time, until {@code entries} proposals are applied on
 * all three nodes. Ticks are given only when the cluster falls quiet (it never does in steady state).
 *
 * <p>CPU time is the benchmark thread's ({@link ThreadMXBean#getCurrentThreadCpuTime()}): garbage collection and the
 * JIT compiler run on other threads and do not count, but allocation itself does (the figure per CPU second of the
 * whole process, which counts them, is printed beside it, and so are the bytes the thread allocated per committed
 * entry: unlike CPU time, that figure does not move with the load on a shared machine). Each batch size gets two warm-up
 * runs, then three measured runs on fresh clusters; it prints every run and their median.
 *
 * <p>Run from the repository root:
 * <pre>
 * mvn -o -q -pl raft-core test-compile
 * java -Xms1g -Xmx1g -cp raft-core/target/classes:raft-core/target/test-classes \
 *     dev.sansraft.core.bench.CoreThroughputBench [entries=3000000] [batches=64,256,1024] [payloadBytes=100]
 * </pre>
 */
public final class CoreThroughputBench {

    private static final int RUNS = 3;
    /** Enough for the JIT compiler to settle: with one, the first measured run was sometimes several times slower. */
    private static final int WARM_UP_RUNS = 2;
    private static final List<Long> MEMBERS = List.of(1L, 2L, 3L);

    private CoreThroughputBench() {
    }

    /** One node: its core, what its disk holds, and its inbox. */
    private static final class Node {
        final RaftCore core;
        final InMemoryLog log = new InMemoryLog();
        List<Event> inbox = new ArrayList<>();
        /** The inbox being stepped, swapped with {@link #inbox} so events produced meanwhile queue up. */
        List<Event> stepping = new ArrayList<>();
        long applied;

        Node(long id, RaftConfig config) {
            this.core = RaftCore.create(id, MEMBERS, config, log, new HardState(0, HardState.NO_VOTE));
        }
    }

    /** The outcome of one run. */
    private record Result(long committed, long cpuNanos, long processCpuNanos, long allocatedBytes) {
        double perCpuSecond() {
            return committed / (cpuNanos / 1e9);
        }

        double perProcessCpuSecond() {
            return committed / (processCpuNanos / 1e9);
        }

        double bytesPerEntry() {
            return allocatedBytes / (double) committed;
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param args {@code [entries] [batch sizes, comma-separated] [payload bytes]}
     */
    public static void main(String[] args) {
        long entries = args.length > 0 ? Long.parseLong(args[0]) : 3_000_000;
        int[] batches = Arrays.stream((args.length > 1 ? args[1] : "64,256,1024").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int payloadBytes = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure thread CPU time");
        }
        byte[] payload = new byte[payloadBytes];
        for (int batch : batches) {
            for (int w = 0; w < WARM_UP_RUNS; w++) {
                run(entries, batch, payload, threads);
            }
            double[] figures = new double[RUNS];
            double[] processFigures = new double[RUNS];
            double[] bytesPerEntry = new double[RUNS];
            StringBuilder each = new StringBuilder();
            for (int r = 0; r < RUNS; r++) {
                Result result = run(entries, batch, payload, threads);
                figures[r] = result.perCpuSecond();
                processFigures[r] = result.perProcessCpuSecond();
                bytesPerEntry[r] = result.bytesPerEntry();
                each.append(String.format(Locale.ROOT, " %,.0f (%.3f CPU s; process %,.0f)", figures[r],
                        result.cpuNanos() / 1e9, processFigures[r]));
            }
            Arrays.sort(figures);
            Arrays.sort(processFigures);
            Arrays.sort(bytesPerEntry);
            System.out.printf(Locale.ROOT, "3 cores, batch %d, %d B payloads, %,d entries: median %,.0f committed"
                    + " entries/CPU s of the thread (%,.0f per process CPU s, GC and JIT included; %.0f B allocated"
                    + " per entry); runs:%s%n", batch, payloadBytes, entries, figures[RUNS / 2],
                    processFigures[RUNS / 2], bytesPerEntry[RUNS / 2], each);
        }
    }

    private static Result run(long entries, int batch, byte[] payload, ThreadMXBean threads) {
        RaftConfig config = RaftConfig.defaults();
        Node[] nodes = new Node[MEMBERS.size()];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = new Node(MEMBERS.get(i), config);
        }
        Node leader = elect(nodes);
        long start = leader.core.commitIndex();
        long target = start + entries;
        long proposed = 0;
        long cpu0 = threads.getCurrentThreadCpuTime();
        long process0 = processCpuNanos();
        long allocated0 = allocatedBytes(threads);
        while (!allApplied(nodes, target)) {
            if (proposed < entries && leader.core.lastLogIndex() - leader.core.commitIndex() < 2L * batch) {
                int n = (int) Math.min(batch, entries - proposed);
                for (int i = 0; i < n; i++) {
                    leader.inbox.add(new Event.Propose(++proposed, payload));
                }
            }
            if (!deliverRound(nodes)) {
                tickAll(nodes);
            }
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        long processCpu = processCpuNanos() - process0;
        long allocated = allocatedBytes(threads) - allocated0;
        if (leader.core.role() != Role.LEADER) {
            throw new IllegalStateException("node " + leader.core.id() + " lost leadership during the run");
        }
        for (Node n : nodes) {
            if (n.applied != n.core.appliedIndex()) {
                throw new IllegalStateException("node " + n.core.id() + " was handed " + n.applied
                        + " entries to apply but reports applied index " + n.core.appliedIndex());
            }
        }
        return new Result(leader.core.commitIndex() - start, cpu, processCpu, allocated);
    }

    /** The whole process's CPU time, garbage collection and JIT compilation included; 0 if unavailable. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /** The bytes this thread has allocated so far, or 0 if the JVM does not say. */
    private static long allocatedBytes(ThreadMXBean threads) {
        if (threads instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()) {
            return t.getThreadAllocatedBytes(Thread.currentThread().getId());
        }
        return 0;
    }

    /** Ticks every node until one leads and has committed its first entry, and every node has applied it. */
    private static Node elect(Node[] nodes) {
        for (int round = 0; round < 1_000; round++) {
            tickAll(nodes);
            while (deliverRound(nodes)) {
                // drain
            }
            for (Node n : nodes) {
                if (n.core.role() == Role.LEADER && n.core.commitIndex() > 0
                        && allApplied(nodes, n.core.commitIndex())) {
                    return n;
                }
            }
        }
        throw new IllegalStateException("no leader after 1,000 ticks");
    }

    private static boolean allApplied(Node[] nodes, long index) {
        for (Node n : nodes) {
            if (n.core.appliedIndex() < index) {
                return false;
            }
        }
        return true;
    }

    private static void tickAll(Node[] nodes) {
        for (Node n : nodes) {
            n.inbox.add(Event.Tick.INSTANCE);
        }
    }

    /** Steps every node with a non-empty inbox once; returns whether any had one. */
    private static boolean deliverRound(Node[] nodes) {
        boolean any = false;
        for (Node n : nodes) {
            if (n.inbox.isEmpty()) {
                continue;
            }
            any = true;
            List<Event> events = n.inbox;
            n.inbox = n.stepping;
            n.stepping = events;
            execute(n, n.core.stepAll(events), nodes);
            events.clear();
        }
        return any;
    }

    /** Carries out one step's actions as an instant disk and a lossless network would. */
    private static void execute(Node n, List<Action> actions, Node[] nodes) {
        LogEntry lastWritten = null;
        long epoch = 0;
        for (Action a : actions) {
            if (a instanceof Action.Send) {
                Message m = ((Action.Send) a).message();
                nodes[(int) m.to() - 1].inbox.add(new Event.Receive(m));
            } else if (a instanceof Action.AppendLog) {
                Action.AppendLog append = (Action.AppendLog) a;
                n.log.append(append.entries());
                lastWritten = append.entries().get(append.entries().size() - 1);
                epoch = append.epoch();
            } else if (a instanceof Action.Apply) {
                n.applied += ((Action.Apply) a).entries().size();
            } else if (a instanceof Action.TruncateLog) {
                n.log.truncateSuffix(((Action.TruncateLog) a).fromIndex());
            } else if (a instanceof Action.CompactLog) {
                n.log.compactPrefix(((Action.CompactLog) a).upToIndex());
            } else if (a instanceof Action.TakeSnapshot) {
                Action.TakeSnapshot s = (Action.TakeSnapshot) a;
                n.inbox.add(new Event.SnapshotSaved(new SnapshotInfo(s.index(), s.term(), s.membership(), 0, 0)));
            } else if (a instanceof Action.ProposalRejected) {
                throw new IllegalStateException("proposal rejected: " + a);
            } else if (a instanceof Action.ResetLog || a instanceof Action.SendSnapshotChunk
                    || a instanceof Action.WriteSnapshotChunk || a instanceof Action.RestoreSnapshot) {
                throw new IllegalStateException("a lossless cluster in step never transfers snapshots: " + a);
            }
            // PersistHardState is durable at once; outcomes, role changes and reads need nothing here.
        }
        if (lastWritten != null) {
            n.inbox.add(new Event.Persisted(lastWritten.index(), lastWritten.term(), epoch));
        }
    }
}
