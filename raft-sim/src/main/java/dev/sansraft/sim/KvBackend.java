package dev.sansraft.sim;

import dev.sansraft.core.LogEntry;
import dev.sansraft.sim.linearizability.KvModel;
import java.util.function.Supplier;

/**
 * The key-value state machine a simulated node applies its log to, with the codec its clients encode commands
 * with: either the simulator's own tiny store ({@link SimStateMachine}) or raft-kv's real one
 * ({@link RaftKvBackend}). Both must give the results {@link KvModel} specifies. One instance per node incarnation;
 * not thread-safe.
 */
interface KvBackend {

    /** The log payload for a client's operation; {@code sequence} is unique per client and stays the same on retry. */
    byte[] encode(KvModel.Input input, int clientId, long sequence);

    /** Applies the next committed entry; returns the operation's result, or null for entries that are not commands. */
    KvModel.Output apply(LogEntry entry);

    /** The current value of {@code key}, for reads served after a read index. */
    long get(int key);

    /** The last index applied. */
    long appliedIndex();

    /**
     * Whether a write re-sent with the same (client, sequence) is applied at most once (client sessions, Raft thesis
     * §6.3). Only then do the simulated clients re-send an accepted but unanswered write.
     */
    boolean dedupesRetries();

    /**
     * The client write (put or compare-and-set) {@code entry} carries, decoded without applying it; null for reads,
     * configuration entries and payloads that are not client commands.
     */
    ClientWrite clientWrite(LogEntry entry);

    /**
     * The state after the last applied entry, as bytes {@link #restoreSnapshot} accepts (Raft §7). Deterministic:
     * two backends that applied the same entries write the same bytes.
     */
    byte[] writeSnapshot();

    /**
     * Captures the state after the last applied entry and returns what streams it later: the bytes it yields, even
     * after more entries were applied, are those {@link #writeSnapshot} gives now. The default copies at once.
     */
    default Supplier<byte[]> captureSnapshot() {
        byte[] bytes = writeSnapshot();
        return () -> bytes;
    }

    /**
     * Replaces the whole state with a snapshot {@link #writeSnapshot} produced; afterwards {@link #appliedIndex()} is
     * the snapshot's index.
     *
     * @throws IllegalStateException if the bytes do not decode
     */
    void restoreSnapshot(byte[] snapshot);

    /**
     * A 64-bit digest of the whole replicated state, applied index included: two backends that applied the same
     * entries (or restored the same snapshot) have equal digests, so a difference at an equal applied index means
     * divergence (State Machine Safety, checked through state where the entries themselves are compacted away).
     */
    long digest();

    /** A client write as found in a log entry: who sent it, its sequence, the key and the unique value it writes. */
    record ClientWrite(int clientId, long sequence, int key, long value) {
    }
}
