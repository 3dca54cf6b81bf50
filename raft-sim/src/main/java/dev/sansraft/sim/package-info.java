/**
 * A deterministic simulator that runs the production node runtime: real {@link dev.sansraft.node.RaftNode}s, each
 * with its {@link dev.sansraft.core.RaftCore}, whose pipeline stages (event loop, storage, apply, snapshot writer,
 * snapshot sender, tick) run on a {@link dev.sansraft.node.NodeScheduler} of the simulator instead of threads, on
 * simulated implementations of the storage and transport SPIs ({@link dev.sansraft.sim.SimLogStore} on a
 * {@link dev.sansraft.sim.SimDisk}, {@link dev.sansraft.sim.SimSnapshotStore}, {@link dev.sansraft.sim.SimTransport}
 * on a {@link dev.sansraft.sim.SimNetwork}). One virtual clock, one event queue ordered by (time, sequence) and one
 * seeded random source drive every stage round, tick, link, disk, client and fault, so a run is a pure function of its
 * seed and any failure replays exactly. There is no second execution of the core's actions here: what runs is the
 * code that ships.
 *
 * <p>{@link dev.sansraft.sim.NodeSim} is the simulated cluster; {@link dev.sansraft.sim.SimCluster} is the harness
 * scenario tests use; {@link dev.sansraft.sim.SwarmRun} runs one randomized seed (faults and pauses from
 * {@link dev.sansraft.sim.Nemesis}, clients from {@link dev.sansraft.sim.SimClients}, liveness phase, linearizability
 * check); {@link dev.sansraft.sim.SimMain} is the command-line swarm runner, {@link dev.sansraft.sim.SimTrace} writes
 * a run's timeline as HTML and {@link dev.sansraft.sim.SimBench} is the benchmark. Safety invariants are checked after
 * every event by {@link dev.sansraft.sim.InvariantChecker}; the client-visible ones by
 * {@link dev.sansraft.sim.SimClients}.
 *
 * <p>Depends on {@code dev.sansraft.core}, the node runtime ({@code dev.sansraft.node}), raft-kv's state machine
 * ({@code dev.sansraft.kv}) and the JDK. No threads, no wall clock inside a run, no iteration over identity-hashed
 * collections.
 */
package dev.sansraft.sim;
