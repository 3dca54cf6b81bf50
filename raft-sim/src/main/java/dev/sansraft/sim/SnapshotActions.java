package dev.sansraft.sim;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.InMemoryLog;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Message;
import dev.sansraft.core.SnapshotInfo;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Executes a simulated node's snapshot actions under items 6-8 of the {@link Action} contract, the way the node
 * runtime does, with simulated disk delays:
 * <ul>
 *   <li>{@code TakeSnapshot}: the state machine's bytes are captured at once (the simulator applies synchronously, so
 *   the state is exactly the one after {@code index}); they become durable one simulated disk write later, and only
 *   then does the node get {@link Event.SnapshotSaved} with their size and CRC32C. A crash before that loses it.</li>
 *   <li>{@code SendSnapshotChunk}: read from the leader's durable snapshot after a simulated read delay and sent as an
 *   {@link Message.InstallSnapshot}; dropped if the snapshot is gone (or the leader crashed meanwhile).</li>
 *   <li>{@code WriteSnapshotChunk}: appended to the snapshot being received (offset 0 starts a new one); the reply
 *   leaves only after a simulated write. The last chunk also commits the snapshot, then {@code SnapshotSaved}: drawn
 *   per transfer, either the commit comes first and then the reply (as the node runtime does), or the reply leaves
 *   first and the commit one more write later (the other order the contract allows). A chunk of a snapshot at or
 *   below the newest durable one is dropped without a reply, as the store refuses it. A crash loses the unfinished
 *   snapshot.</li>
 *   <li>{@code RestoreSnapshot}: the state machine is replaced by the stored snapshot; its applied index jumps.</li>
 *   <li>Restart: the newest durable snapshot is restored and the log reset to its position if it does not contain
 *   it (the runtime's recovery rule).</li>
 * </ul>
 * Every check that the core kept the contract ({@code TakeSnapshot} at the applied index, contiguous chunks, a
 * received payload matching its size and checksum, snapshots covering only committed entries, restoring a snapshot
 * the node holds) fails with {@link Invariant#SNAPSHOT}.
 *
 * <p>Not thread-safe: part of one simulation run.
 */
final class SnapshotActions {

    /** Counters of one run, over every node. */
    static final class Stats {
        long taken;
        long takenDurable;
        long received;
        long installed;
        long chunksSent;
        long chunkBytesSent;
        long chunksWritten;
        long chunksDroppedGone;
        long refused;
        long crashesInjected;
    }

    private final SimEngine engine;
    final Stats stats = new Stats();

    SnapshotActions(SimEngine engine) {
        this.engine = engine;
    }

    private long diskDelay() {
        SimOptions o = engine.options();
        return o.diskLatencyMinMicros() == o.diskLatencyMaxMicros() ? o.diskLatencyMinMicros()
                : engine.random().nextLong(o.diskLatencyMinMicros(), o.diskLatencyMaxMicros() + 1);
    }

    /** Schedules {@code work} on {@code node} after {@code delay}, cancelled if the node crashes meanwhile. */
    private void later(SimNode node, long delay, String label, Runnable work) {
        int incarnation = node.incarnation;
        engine.schedule(delay, label, () -> {
            if (node.up && node.incarnation == incarnation) {
                work.run();
            }
        });
    }

    /**
     * Executes one of the snapshot actions (contract items 6-8).
     *
     * @return the state machine's new applied index after a {@code RestoreSnapshot}, else -1
     */
    long execute(SimNode node, Action a) {
        double snapshotCrashRate = engine.snapshotCrashRate;
        if (a instanceof Action.TakeSnapshot) {
            take(node, (Action.TakeSnapshot) a);
            maybeCrash(node, snapshotCrashRate, "while taking snapshot " + ((Action.TakeSnapshot) a).index());
        } else if (a instanceof Action.CompactLog) {
            long upTo = ((Action.CompactLog) a).upToIndex();
            if (upTo > node.log.lastIndex() || upTo > node.snapshots.newestIndex()) {
                throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " compacts up to " + upTo
                        + " but its log ends at " + node.log.lastIndex() + " and its newest durable snapshot is at "
                        + node.snapshots.newestIndex(), null);
            }
            if (upTo >= node.log.firstIndex()) {
                node.log.compactPrefix(upTo);
            }
            node.disk.write(a);
            engine.maybeStartSync(node);
        } else if (a instanceof Action.ResetLog) {
            Action.ResetLog reset = (Action.ResetLog) a;
            SimSnapshots.Stored s = node.snapshots.find(reset.index());
            if (s == null || s.info().term() != reset.term()) {
                throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " resets its log to " + reset.index()
                        + "@" + reset.term() + " without a durable snapshot there", null);
            }
            node.log.resetTo(reset.index(), reset.term());
            node.disk.write(a);
            engine.maybeStartSync(node);
        } else if (a instanceof Action.SendSnapshotChunk) {
            sendChunk(node, (Action.SendSnapshotChunk) a);
        } else if (a instanceof Action.WriteSnapshotChunk) {
            writeChunk(node, (Action.WriteSnapshotChunk) a);
            maybeCrash(node, snapshotCrashRate / 10, "while writing a snapshot chunk");
        } else if (a instanceof Action.RestoreSnapshot) {
            SnapshotInfo info = ((Action.RestoreSnapshot) a).snapshot();
            long applied = restore(node, info);
            if (engine.options().checkInvariants()) {
                engine.checker().onRestore(node.slot, applied, node.stateMachine.digest());
            }
            return applied;
        } else {
            throw new IllegalStateException("node " + node.id + " emitted an action the simulator does not know: "
                    + a);
        }
        return -1;
    }

    // ---------------------------------------------------------------- taking

    void take(SimNode node, Action.TakeSnapshot take) {
        long applied = node.stateMachine.appliedIndex();
        if (take.index() != applied) {
            throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " asked for a snapshot at index "
                    + take.index() + " but its state machine has applied " + applied, null);
        }
        checkCommitted(node, take.index(), take.term(), "takes");
        // Captured now, streamed when the write completes: raft-kv's copy-on-write capture must not show the entries
        // applied in between (the digests compared at this index would tell).
        Supplier<byte[]> capture = node.stateMachine.captureSnapshot();
        stats.taken++;
        engine.note("n" + node.id + " takes snapshot " + take.index() + "@" + take.term());
        later(node, diskDelay(), "n" + node.id + " snapshot " + take.index() + " durable", () -> {
            byte[] payload = capture.get();
            if (engine.sabotageSnapshots && payload.length > 0) {
                payload[payload.length - 1] ^= 1;
            }
            SnapshotInfo info = new SnapshotInfo(take.index(), take.term(), take.members(), payload.length,
                    SimSnapshots.checksum(payload));
            if (engine.options().checkInvariants()) {
                // The bytes must hold exactly the state at the snapshot's index, whatever was applied since.
                KvBackend probe = engine.newStateMachine();
                try {
                    probe.restoreSnapshot(payload);
                } catch (RuntimeException e) {
                    throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " took a snapshot at "
                            + take.index() + " that its state machine cannot restore: " + e, e);
                }
                engine.checker().onDigest(node.slot, take.index(), probe.digest());
            }
            if (!node.snapshots.commit(info, payload)) {
                // The store refuses a snapshot that does not move forward (a newer one was installed meanwhile).
                stats.refused++;
                engine.note("n" + node.id + " store refuses snapshot " + info.index() + ": it holds "
                        + node.snapshots.newestIndex());
                return;
            }
            stats.takenDurable++;
            engine.stepSaved(node, info, false);
        });
    }

    // ---------------------------------------------------------------- leader side

    void sendChunk(SimNode node, Action.SendSnapshotChunk send) {
        later(node, engine.random().nextLong(engine.options().diskLatencyMinMicros()) + 1,
                "n" + node.id + " reads snapshot chunk for n" + send.to(), () -> {
                    SimSnapshots.Stored stored = node.snapshots.find(send.snapshot().index());
                    if (stored == null) {
                        stats.chunksDroppedGone++;
                        engine.note("n" + node.id + " snapshot " + send.snapshot().index() + " is gone, chunk at "
                                + send.offset() + " dropped");
                        return;
                    }
                    if (!stored.info().equals(send.snapshot())) {
                        throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " streams " + send.snapshot()
                                + " but stored " + stored.info(), null);
                    }
                    byte[] data = Arrays.copyOfRange(stored.payload(), (int) send.offset(),
                            (int) send.offset() + send.length());
                    stats.chunksSent++;
                    stats.chunkBytesSent += data.length;
                    engine.send(new Message.InstallSnapshot(node.id, send.to(), send.term(), send.snapshot(),
                            send.offset(), data));
                });
    }

    // ---------------------------------------------------------------- follower side

    void writeChunk(SimNode node, Action.WriteSnapshotChunk write) {
        SimSnapshots store = node.snapshots;
        SnapshotInfo info = write.snapshot();
        if (info.index() <= store.newestIndex()) {
            // As the node runtime does: the store refuses to begin a snapshot that would not move forward, and the
            // chunk is dropped without a reply; the leader's retries and heartbeats sort it out.
            stats.refused++;
            engine.note("n" + node.id + " store refuses received snapshot " + info.index() + " at offset "
                    + write.offset() + ": it holds " + store.newestIndex());
            return;
        }
        if (write.offset() == 0) {
            store.beginReceiving(info);
        } else if (!info.equals(store.receivingInfo()) || write.offset() != store.receivedBytes()) {
            throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " asked to write " + write.data().length
                    + " bytes at offset " + write.offset() + " of " + info + " while it holds "
                    + store.receivedBytes() + " bytes of " + store.receivingInfo(), null);
        }
        store.appendReceived(write.data());
        stats.chunksWritten++;
        byte[] payload = write.isLast() ? store.finishReceiving() : null;
        Message reply = write.reply();
        long written = diskDelay();
        if (payload != null && engine.random().nextBoolean()) {
            // As the node runtime does: the last chunk's write commits the snapshot, then the reply leaves.
            later(node, written, "n" + node.id + " received snapshot " + info.index() + " durable", () -> {
                commitReceived(node, info, payload);
                if (node.up) {
                    engine.send(reply);
                }
            });
            return;
        }
        later(node, written, "n" + node.id + " wrote snapshot chunk at " + write.offset(), () -> engine.send(reply));
        if (payload != null) {
            // The other order the contract allows: the reply to the last chunk may arrive before the commit.
            later(node, written + diskDelay(), "n" + node.id + " received snapshot " + info.index() + " durable",
                    () -> commitReceived(node, info, payload));
        }
    }

    private void commitReceived(SimNode node, SnapshotInfo info, byte[] payload) {
        if (payload.length != info.sizeBytes() || SimSnapshots.checksum(payload) != info.checksum()) {
            throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " received " + payload.length
                    + " bytes with CRC32C " + SimSnapshots.checksum(payload) + " for " + info, null);
        }
        checkCommitted(node, info.index(), info.term(), "receives");
        if (!node.snapshots.commit(info, payload)) {
            stats.refused++;
            engine.note("n" + node.id + " store refuses received snapshot " + info.index() + ": it holds "
                    + node.snapshots.newestIndex());
            return;
        }
        stats.received++;
        engine.stepSaved(node, info, true);
    }

    /** Replaces the state machine's state with stored snapshot {@code info}; returns the new applied index. */
    long restore(SimNode node, SnapshotInfo info) {
        SimSnapshots.Stored stored = node.snapshots.find(info.index());
        if (stored == null || !stored.info().equals(info)) {
            throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " asked to restore " + info
                    + " but its store holds " + (stored == null ? "no snapshot at that index" : stored.info()), null);
        }
        long before = node.stateMachine.appliedIndex();
        KvBackend fresh = engine.newStateMachine();
        fresh.restoreSnapshot(stored.payload());
        if (fresh.appliedIndex() != info.index()) {
            throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " restored " + info
                    + " but its state machine reports applied index " + fresh.appliedIndex(), null);
        }
        node.stateMachine = fresh;
        node.snapshotsInstalled++;
        stats.installed++;
        engine.note("n" + node.id + " restores snapshot " + info.index() + "@" + info.term() + " (applied was "
                + before + ")");
        return info.index();
    }

    /** A snapshot must cover only committed entries, ending with the committed entry at its index. */
    private void checkCommitted(SimNode node, long index, long term, String verb) {
        if (!engine.options().checkInvariants()) {
            return;
        }
        InvariantChecker checker = engine.checker();
        if (index > checker.committedIndex()) {
            throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " " + verb + " a snapshot at "
                    + index + "@" + term + " but only " + checker.committedIndex() + " entries are known committed",
                    null);
        }
        LogEntry committed = checker.committed().get((int) index - 1);
        if (committed.term() != term) {
            throw engine.violation(Invariant.SNAPSHOT, "node " + node.id + " " + verb + " a snapshot at "
                    + index + "@" + term + " but " + committed + " is committed there", null);
        }
    }

    // ---------------------------------------------------------------- restart

    /**
     * Before a restarted node's core is built: applies the recovery rule (reset the durable log to the newest
     * snapshot's position when it does not contain it) and returns that snapshot, or null.
     */
    SimSnapshots.Stored recover(SimNode node) {
        SimSnapshots.Stored newest = node.snapshots.newest();
        if (newest == null) {
            return null;
        }
        SnapshotInfo s = newest.info();
        InMemoryLog log = node.disk.durableLog();
        if (log.lastIndex() < s.index() || s.index() < log.firstIndex() - 1 || log.term(s.index()) != s.term()) {
            engine.note("n" + node.id + " log [" + log.firstIndex() + ", " + log.lastIndex()
                    + "] lacks snapshot " + s.index() + "@" + s.term() + ": reset");
            node.disk.resetDurable(s.index(), s.term());
        }
        return newest;
    }

    // ---------------------------------------------------------------- crashes at snapshot moments

    /**
     * With probability {@code rate}, crashes {@code node} a moment from now (within one disk write, so often before
     * what it just started is durable) and restarts it a few election timeouts later.
     */
    void maybeCrash(SimNode node, double rate, String why) {
        if (rate <= 0 || engine.random().nextDouble() >= rate) {
            return;
        }
        stats.crashesInjected++;
        long delay = engine.random().nextLong(engine.options().diskLatencyMaxMicros() + 1);
        long restartAfter = (1 + engine.random().nextLong(3L * engine.options().raftConfig().electionTimeoutTicks()))
                * engine.options().tickMicros();
        int incarnation = node.incarnation;
        engine.schedule(delay, "crash n" + node.id + " " + why, () -> {
            if (!node.up || node.incarnation != incarnation || engine.snapshotCrashRate <= 0) {
                return; // the node died meanwhile, or faults have stopped (the liveness phase)
            }
            engine.crash(node);
            engine.note("crash n" + node.id + " " + why);
            int dead = node.incarnation;
            engine.schedule(restartAfter, "restart n" + node.id, () -> {
                if (!node.up && node.incarnation == dead) {
                    engine.start(node);
                    engine.note("restart n" + node.id);
                }
            });
        });
    }
}
