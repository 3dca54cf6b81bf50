package dev.sansraft.core;

/**
 * An input to {@link RaftCore#step(Event)}. The {@code permits} list is everything that can happen to a node.
 *
 * <p>Immutable records; thread-safe.
 */
public sealed interface Event
        permits Event.Tick, Event.Receive, Event.Propose, Event.Persisted, Event.ReadIndex, Event.SnapshotSaved {

    /** One logical clock tick. Timeouts are counted in ticks; the runtime decides how long a tick is. */
    record Tick() implements Event {
        /** The one tick instance; ticks carry no data. */
        public static final Tick INSTANCE = new Tick();
    }

    /** A message arrived from a peer. */
    record Receive(Message message) implements Event {
        public Receive {
            if (message == null) {
                throw new IllegalArgumentException("message is null");
            }
        }
    }

    /**
     * A client asks to append a command. The core answers with exactly one {@link Action.ProposalOutcome} for this
     * {@code correlationId}: accepted or rejected at once, and an accepted proposal may later be dropped.
     *
     * @param correlationId chosen by the runtime, unique among its outstanding proposals
     * @param payload       the command; ownership passes to the core (see {@link LogEntry})
     */
    record Propose(long correlationId, byte[] payload) implements Event {
        public Propose {
            if (payload == null) {
                throw new IllegalArgumentException("payload is null for proposal " + correlationId);
            }
        }
    }

    /**
     * The runtime reports that the log writes it was asked to perform, up to and including the
     * {@link Action.AppendLog} that ended at {@code index}, are durable.
     *
     * @param index the last index of the newest durable {@link Action.AppendLog}
     * @param term  the term of the entry at {@code index}
     * @param epoch the {@link Action.AppendLog#epoch()} of that write. With the term, it lets the core ignore a late
     *              report about entries that were truncated and written again since (the same index and term can
     *              be written, overwritten and written back while an fsync is in flight).
     */
    record Persisted(long index, long term, long epoch) implements Event {
        public Persisted {
            if (index < 0 || term < 0 || epoch < 0) {
                throw new IllegalArgumentException("negative persisted position " + index + "@" + term
                        + " epoch " + epoch);
            }
        }
    }

    /**
     * A client asks for a linearizable read (thesis §6.4). The core answers with {@link Action.ReadReady} carrying the
     * index the state machine must have applied before the read may be served, or with {@link Action.ReadRejected}.
     *
     * @param readId chosen by the runtime, unique among its outstanding reads
     * @param lease  when set, a leader holding a valid lease answers at once without a heartbeat round (only with
     *               CheckQuorum on; otherwise the read falls back to a ReadIndex round). See {@link RaftConfig}.
     */
    record ReadIndex(long readId, boolean lease) implements Event {
    }

    /**
     * A snapshot is durable in the runtime's snapshot store: either one this node took after an
     * {@link Action.TakeSnapshot}, or one it received through {@link Action.WriteSnapshotChunk}s and committed after
     * the last chunk. The core may then compact the log up to it ({@link Action.CompactLog}), and for a received
     * snapshot it installs it (Raft §7).
     */
    record SnapshotSaved(SnapshotInfo snapshot) implements Event {
        public SnapshotSaved {
            if (snapshot == null) {
                throw new IllegalArgumentException("snapshot is null");
            }
        }
    }
}
