package dev.sansraft.node;

import dev.sansraft.core.MembershipChange;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A client request waiting for its outcome: the caller's future and the moment it times out.
 *
 * <p>The future may be completed from any thread (CompletableFuture arbitrates the race: the first completion wins).
 * The mutable positions ({@code index}, {@code term}, {@code readId}, {@code requestId}) are written and read only on
 * the event-loop thread, or published to the apply thread through its mailbox.
 */
abstract sealed class PendingRequest permits PendingRequest.Proposal, PendingRequest.Read, PendingRequest.Transfer {

    final CompletableFuture<byte[]> future = new CompletableFuture<>();
    /** When the caller made the request, on the node's clock; the start of its latency histogram. */
    final long createdNanos;
    final long deadlineNanos;

    private PendingRequest(long createdNanos, long deadlineNanos) {
        this.createdNanos = createdNanos;
        this.deadlineNanos = deadlineNanos;
    }

    /** The bytes the request holds on the heap while pending, for the pending-requests budget. */
    abstract long sizeBytes();

    /**
     * A command to append, or a membership change when {@code changes} is not null (its future then completes with
     * the encoded configuration entry); {@code index} and {@code term} are known once the leader accepted it.
     * {@code olderAtIndex} links a proposal of an earlier leadership that still waits at the same index (the core
     * keeps both until what commits there decides, see {@link EventLoop}); {@code rejection} is set when the core
     * refused it.
     */
    static final class Proposal extends PendingRequest {
        final byte[] command;
        final List<MembershipChange> changes;
        long index;
        long term;
        boolean answered;
        Proposal olderAtIndex;
        RaftException rejection;

        Proposal(byte[] command, long createdNanos, long deadlineNanos) {
            super(createdNanos, deadlineNanos);
            this.command = command;
            this.changes = null;
        }

        Proposal(List<MembershipChange> changes, long createdNanos, long deadlineNanos) {
            super(createdNanos, deadlineNanos);
            this.command = null;
            this.changes = List.copyOf(changes);
        }

        @Override
        long sizeBytes() {
            // A membership change is a few members with short endpoints; count each as a small fixed size.
            return command != null ? command.length : 64L * changes.size();
        }
    }

    /** A leadership transfer to {@code target}; its future completes with an empty array once the target leads. */
    static final class Transfer extends PendingRequest {
        final long target;
        long requestId;

        Transfer(long target, long createdNanos, long deadlineNanos) {
            super(createdNanos, deadlineNanos);
            this.target = target;
        }

        @Override
        long sizeBytes() {
            return 0;
        }
    }

    /** A query to run against the state machine once it is safe to. */
    static final class Read extends PendingRequest {
        final byte[] request;
        final ReadConsistency consistency;
        long readId;

        Read(byte[] request, ReadConsistency consistency, long createdNanos, long deadlineNanos) {
            super(createdNanos, deadlineNanos);
            this.request = request;
            this.consistency = consistency;
        }

        @Override
        long sizeBytes() {
            return request.length;
        }
    }
}
