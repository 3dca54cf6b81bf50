/**
 * A deterministic simulator for clusters of {@link dev.sansraft.core.RaftCore}s. One virtual clock, one event queue
 * ordered by (time, sequence) and one seeded random source drive every node, link, disk, client and fault, so a run
 * is a pure function of its seed and any failure replays exactly.
 *
 * <p>{@link dev.sansraft.sim.SimCluster} is the harness scenario tests use; {@link dev.sansraft.sim.SwarmRun} runs
 * one randomized seed (faults, clients, liveness phase, linearizability check); {@link dev.sansraft.sim.SimMain} is
 * the command-line swarm runner and {@link dev.sansraft.sim.SimBench} the benchmark. Safety invariants are checked
 * after every event by {@link dev.sansraft.sim.InvariantChecker}. {@link dev.sansraft.sim.SnapshotActions} executes
 * the snapshot actions (Raft §7) against each node's {@link dev.sansraft.sim.SimSnapshots}.
 *
 * <p>{@link dev.sansraft.sim.NodeSim} runs the real node runtime instead: {@link dev.sansraft.node.RaftNode}s whose
 * stages run on a {@link dev.sansraft.node.NodeScheduler} of the simulator, on simulated implementations of the
 * storage and transport SPIs ({@link dev.sansraft.sim.SimLogStore}, {@link dev.sansraft.sim.SimSnapshotStore},
 * {@link dev.sansraft.sim.SimTransport}), with process pauses and the client-visible checks of
 * {@link dev.sansraft.sim.NodeSimClients}; {@link dev.sansraft.sim.NodeSwarmRun} is its swarm run
 * ({@code SimMain --runtime}).
 *
 * <p>Depends on {@code dev.sansraft.core}, the node runtime ({@code dev.sansraft.node}), raft-kv's state machine ({@code dev.sansraft.kv}) and the JDK. No threads,
 * no wall clock inside a run, no iteration over identity-hashed collections.
 */
package dev.sansraft.sim;
