package dev.sansraft.core;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Proposals this node accepted as leader and whose fate is not known yet, in index order. Each ends in exactly one
 * way: its entry is applied with the accepted term (the runtime completes it from the {@link Action.Apply}), or it
 * is reported {@link Action.ProposalDropped} because another entry took its index. Not thread-safe: owned by its
 * {@link RaftCore}.
 *
 * <p>The bytes of tracked proposals drive {@code maxUncommittedBytes} back-pressure. Proposals from an earlier
 * leadership still count until resolved, which errs towards refusing work.
 */
final class ProposalTracker {

    private record Pending(long correlationId, long index, long term, long sizeBytes) {
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long bytes;

    long bytes() {
        return bytes;
    }

    void accepted(long correlationId, LogEntry entry) {
        pending.addLast(new Pending(correlationId, entry.index(), entry.term(), entry.sizeBytes()));
        bytes += entry.sizeBytes();
    }

    /** The log lost every entry from {@code index} on (a conflicting suffix): those proposals are dropped. */
    void truncated(long index, List<Action> out) {
        while (!pending.isEmpty() && pending.peekLast().index() >= index) {
            Pending p = pending.pollLast();
            bytes -= p.sizeBytes();
            out.add(new Action.ProposalDropped(p.correlationId(), p.index(), p.term()));
        }
    }

    /** Resolves the proposals at the indexes of {@code applied}: those whose term differs were dropped. */
    void applied(List<LogEntry> applied, List<Action> out) {
        long first = applied.get(0).index();
        long last = applied.get(applied.size() - 1).index();
        while (!pending.isEmpty() && pending.peekFirst().index() <= last) {
            Pending p = pending.pollFirst();
            bytes -= p.sizeBytes();
            if (p.index() >= first && applied.get((int) (p.index() - first)).term() != p.term()) {
                out.add(new Action.ProposalDropped(p.correlationId(), p.index(), p.term()));
            }
        }
    }
}
