package dev.sansraft.core;

import java.util.List;

/**
 * An input to {@link RaftCore#step(Event)}. The {@code permits} list is everything that can happen to a node.
 *
 * <p>Immutable records; thread-safe.
 */
public sealed interface Event
        permits Event.Tick, Event.Receive, Event.Propose, Event.Persisted, Event.ReadIndex, Event.SnapshotSaved,
        Event.ChangeMembership, Event.TransferLeadership {

    /** One logical clock tick. Timeouts are counted in ticks; the runtime decides how long a tick is. */
    record Tick() implements Event {
        /** The one tick instance; ticks carry no data. */
        public static final Tick INSTANCE = new Tick();
    }

    /**
     * A message arrived from a peer.
     *
     * @param message the message, addressed to this node
     */
    record Receive(Message message) implements Event {
        /**
         * Checks that the message is present.
         *
         * @param message the message, addressed to this node
         * @throws IllegalArgumentException if {@code message} is null
         */
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
        /**
         * Checks that the payload is present.
         *
         * @param correlationId chosen by the runtime, unique among its outstanding proposals
         * @param payload the command; ownership passes to the core (see {@link LogEntry})
         * @throws IllegalArgumentException if {@code payload} is null
         */
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
        /**
         * Checks that the position is not negative.
         *
         * @param index the last index of the newest durable {@link Action.AppendLog}
         * @param term the term of the entry at {@code index}
         * @param epoch the {@link Action.AppendLog#epoch()} of that write. With the term, it lets the core ignore a
         *     late report about entries that were truncated and written again since (the same index and term can be
         *     written, overwritten and written back while an fsync is in flight).
         * @throws IllegalArgumentException if a component is negative
         */
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
     *
     * @param snapshot the snapshot now durable in the store
     */
    record SnapshotSaved(SnapshotInfo snapshot) implements Event {
        /**
         * Checks that the snapshot is present.
         *
         * @param snapshot the snapshot now durable in the store
         * @throws IllegalArgumentException if {@code snapshot} is null
         */
        public SnapshotSaved {
            if (snapshot == null) {
                throw new IllegalArgumentException("snapshot is null");
            }
        }
    }

    /**
     * A client asks the leader to change the configuration (thesis ch. 4). The core answers like a {@link Propose}:
     * exactly one immediate {@link Action.ProposalOutcome} for {@code correlationId}, and an accepted change is later
     * applied (an {@link Action.Apply} carries its {@link EntryKind#CONFIG} entry) or dropped.
     *
     * <p>The changes are applied in order to the leader's current configuration. When they add or remove at most one
     * voter the result is appended as one entry; otherwise the leader appends the joint configuration C_old,new, and
     * once that commits it appends C_new by itself. The outcome belongs to the first entry: once it is committed the
     * change can no longer be rolled back, and the leader finishes it. A change is refused with
     * {@link Action.RejectReason#MEMBERSHIP_CHANGE_IN_PROGRESS} while another one (or the leader's first entry of
     * its term) is uncommitted, and with {@link Action.RejectReason#INVALID_MEMBERSHIP_CHANGE} when it does not
     * apply to the current configuration.
     *
     * @param correlationId the runtime's id for the request, echoed in its outcome
     * @param changes the changes, applied in order; at least one
     */
    record ChangeMembership(long correlationId, List<MembershipChange> changes) implements Event {
        /**
         * Copies the changes and checks that there is at least one.
         *
         * @param correlationId the runtime's id for the request, echoed in its outcome
         * @param changes the changes, applied in order; at least one
         * @throws IllegalArgumentException if {@code changes} is null or empty
         */
        public ChangeMembership {
            if (changes == null || changes.isEmpty()) {
                throw new IllegalArgumentException("membership change " + correlationId + " has no changes");
            }
            changes = List.copyOf(changes);
        }
    }

    /**
     * A client asks the leader to hand leadership to the voter {@code target} (thesis §3.10). The core answers with
     * exactly one {@link Action.TransferOutcome} for {@code requestId}, at once when it refuses and otherwise when
     * the transfer completes or is abandoned (after an election timeout).
     */
    record TransferLeadership(long requestId, long target) implements Event {
    }
}
