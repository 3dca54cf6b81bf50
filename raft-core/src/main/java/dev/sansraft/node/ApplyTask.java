package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.SnapshotInfo;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Work for the apply thread. Every client future the node completes normally is completed there, so that callers'
 * callbacks never run on the event loop.
 *
 * <p>Immutable records, handed from the event loop to the apply thread through a {@link WorkQueue}.
 */
sealed interface ApplyTask {

    /**
     * Committed entries in index order; {@code waiters[i]} is the local proposal that expects {@code entries[i]}, or
     * null. {@code waiters} is null when no entry has one. {@code committedNanos} is when the event loop learned
     * that they committed (node clock), the start of the commit-to-apply histogram.
     */
    record Entries(List<LogEntry> entries, PendingRequest.Proposal[] waiters, long committedNanos)
            implements ApplyTask {
    }

    /** Run {@code read} once the applied index reaches {@code readIndex} (0 for a stale read: at once). */
    record Query(long readIndex, PendingRequest.Read read) implements ApplyTask {
    }

    /** Complete a future normally (a finished leadership transfer). */
    record Complete(CompletableFuture<byte[]> future, byte[] value) implements ApplyTask {
    }

    /**
     * Fail a future (a rejection, or a dropped or unknown proposal); {@code outcomeCounter}, if not null, counts the
     * outcome once the failure is the future's first completion (a timeout may have come first).
     */
    record Fail(CompletableFuture<byte[]> future, Throwable cause, AtomicLong outcomeCounter) implements ApplyTask {
        Fail(CompletableFuture<byte[]> future, Throwable cause) {
            this(future, cause, null);
        }
    }

    /** Tell the listeners about a new leader. */
    record LeaderChange(long leaderId, long term) implements ApplyTask {
    }

    /** Take a snapshot of the state after exactly the entries applied so far ({@code take.index()}). */
    record Capture(Action.TakeSnapshot take) implements ApplyTask {
    }

    /** Replace the state with the stored snapshot; the applied index becomes its index. */
    record Restore(SnapshotInfo snapshot) implements ApplyTask {
    }
}
