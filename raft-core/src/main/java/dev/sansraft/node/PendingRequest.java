package dev.sansraft.node;

import dev.sansraft.core.MembershipChange;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A client request waiting for its outcome: the caller's future and the moment it times out.
 *
 * <p>The future may be completed from any thread (CompletableFuture arbitrates the race: the first completion wins).
 * The mutable positions ({@code index}, {@code term}, {@code readId}) are written and read only on the event-loop
 * thread, or published to the apply thread through its mailbox.
 */
abstract sealed class PendingRequest permits PendingRequest.Proposal, PendingRequest.Read, PendingRequest.Transfer {

    final CompletableFuture<byte[]> future = new CompletableFuture<>();
    final long deadlineNanos;

    private PendingRequest(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * A command to append, or a membership change when {@code changes} is not null (its future then completes with
     * the encoded configuration entry); {@code index} and {@code term} are known once the leader accepted it.
     */
    static final class Proposal extends PendingRequest {
        final byte[] command;
        final List<MembershipChange> changes;
        long index;
        long term;
        boolean answered;

        Proposal(byte[] command, long deadlineNanos) {
            super(deadlineNanos);
            this.command = command;
            this.changes = null;
        }

        Proposal(List<MembershipChange> changes, long deadlineNanos) {
            super(deadlineNanos);
            this.command = null;
            this.changes = List.copyOf(changes);
        }
    }

    /** A leadership transfer to {@code target}; its future completes with an empty array once the target leads. */
    static final class Transfer extends PendingRequest {
        final long target;
        long requestId;

        Transfer(long target, long deadlineNanos) {
            super(deadlineNanos);
            this.target = target;
        }
    }

    /** A query to run against the state machine once it is safe to. */
    static final class Read extends PendingRequest {
        final byte[] request;
        final ReadConsistency consistency;
        long readId;

        Read(byte[] request, ReadConsistency consistency, long deadlineNanos) {
            super(deadlineNanos);
            this.request = request;
            this.consistency = consistency;
        }
    }
}
