package dev.sansraft.sim;

import java.lang.management.ManagementFactory;

/**
 * The simulator benchmark: {@code java -cp <raft-sim classpath> dev.sansraft.sim.SimBench [--seeds S] [--runtime]}.
 * It measures one figure: <b>simulated events per CPU second</b> of the swarm on real {@code RaftNode}s
 * ({@link SwarmRun}: 5 nodes, 300 ticks per seed, seeds 1000 onwards, faults, clients, every invariant checked
 * after every event, linearizability checked at the end), after ten warm-up seeds. An event is one stage round, tick,
 * message delivery or harness step of the simulator's queue. {@code --runtime} is accepted and ignored (every run is
 * on the real runtime now).
 *
 * <p>CPU time is the whole process's (so garbage collection and JIT threads count against the figure), read from the
 * platform's {@code OperatingSystemMXBean}; the wall clock is never read inside a run.
 */
public final class SimBench {

    private SimBench() {
    }

    /**
     * Runs the benchmark and prints its figure.
     *
     * @param args {@code --seeds S} (default 100); {@code --runtime} is ignored
     */
    public static void main(String[] args) {
        int seeds = 100;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--runtime")) {
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("flag " + args[i] + " needs a value");
            }
            if (!args[i].equals("--seeds")) {
                throw new IllegalArgumentException("unknown flag " + args[i] + ": use --seeds S");
            }
            seeds = Integer.parseInt(args[++i]);
        }
        for (long s = 1; s <= 10; s++) {
            SwarmRun.run(s, 200, 5, "swarm");
        }
        long cpu0 = processCpuNanos();
        long events = 0;
        for (long s = 1000; s < 1000 + seeds; s++) {
            events += SwarmRun.run(s, 300, 5, "swarm").events();
        }
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        System.out.printf("swarm on real RaftNodes: %d seeds x 300 ticks, 5 nodes: %d events in %.2f CPU s = %.0f"
                + " simulated events/CPU s%n", seeds, events, cpu, events / cpu);
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
