package dev.sansraft.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Proposals this node accepted as leader and whose fate is not known yet, by index. Each ends in exactly one way:
 * the entry committed at its index has the accepted term (the runtime completes it from the {@link Action.Apply}),
 * or it is reported {@link Action.ProposalDropped} because it can never be applied: another entry committed at its
 * index, or an entry of a newer term committed before it. Not thread-safe: owned by its
 * {@link RaftCore}.
 *
 * <p>A proposal is <em>not</em> dropped when this node's own copy is truncated or when it loses leadership: other
 * nodes may still hold the entry, and a later leader may commit it. Only what is committed decides.
 * So two proposals can wait on one index (one from an earlier leadership), which is why they are kept per index.
 *
 * <p>The bytes of tracked proposals drive {@code maxUncommittedBytes} back-pressure. Proposals from an earlier
 * leadership still count until resolved, which errs towards refusing work.
 */
final class ProposalTracker {

    private record Pending(long correlationId, long index, long term, long sizeBytes) {
    }

    private final TreeMap<Long, List<Pending>> byIndex = new TreeMap<>();
    /** How many pending proposals each term has, so the common case (nothing from older terms) costs nothing. */
    private final TreeMap<Long, Integer> countByTerm = new TreeMap<>();
    private long bytes;

    long bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return byIndex.isEmpty();
    }

    void accepted(long correlationId, LogEntry entry) {
        byIndex.computeIfAbsent(entry.index(), i -> new ArrayList<>(1))
                .add(new Pending(correlationId, entry.index(), entry.term(), entry.sizeBytes()));
        countByTerm.merge(entry.term(), 1, Integer::sum);
        bytes += entry.sizeBytes();
    }

    /**
     * An entry of {@code commitTerm} is committed at {@code commitIndex}. Terms never decrease along a log, so no log
     * that holds that committed entry (every future leader's, by Leader Completeness, Raft §5.4) can hold an entry of
     * an older term after it: proposals of older terms at later indexes can never commit, and are dropped now rather
     * than held, with their bytes, until something else is committed at their index.
     */
    void committed(long commitIndex, long commitTerm, List<Action> out) {
        if (countByTerm.isEmpty() || countByTerm.firstKey() >= commitTerm) {
            return;
        }
        Iterator<Map.Entry<Long, List<Pending>>> it = byIndex.tailMap(commitIndex, false).entrySet().iterator();
        while (it.hasNext()) {
            List<Pending> atIndex = it.next().getValue();
            Iterator<Pending> ps = atIndex.iterator();
            while (ps.hasNext()) {
                Pending p = ps.next();
                if (p.term() < commitTerm) {
                    ps.remove();
                    forget(p);
                    out.add(new Action.ProposalDropped(p.correlationId(), p.index(), p.term()));
                }
            }
            if (atIndex.isEmpty()) {
                it.remove();
            }
        }
    }

    /**
     * This node installed a snapshot ending at {@code (snapshotIndex, snapshotTerm)} in place of a log that did not
     * contain it, so the entries up to there will never be applied here one by one. A proposal there of a newer term
     * than the snapshot's last entry cannot be in it (terms never decrease along a log) and is dropped; for the
     * others this node cannot tell whether they took effect, and reports so.
     */
    void coveredBySnapshot(long snapshotIndex, long snapshotTerm, List<Action> out) {
        Iterator<Map.Entry<Long, List<Pending>>> it = byIndex.headMap(snapshotIndex, true).entrySet().iterator();
        while (it.hasNext()) {
            for (Pending p : it.next().getValue()) {
                forget(p);
                out.add(p.term() > snapshotTerm ? new Action.ProposalDropped(p.correlationId(), p.index(), p.term())
                        : new Action.ProposalUnknown(p.correlationId(), p.index(), p.term()));
            }
            it.remove();
        }
    }

    private void forget(Pending p) {
        bytes -= p.sizeBytes();
        countByTerm.computeIfPresent(p.term(), (t, n) -> n == 1 ? null : n - 1);
    }

    /** Resolves the proposals at the indexes of {@code applied}: those whose term differs were dropped. */
    void applied(List<LogEntry> applied, List<Action> out) {
        if (byIndex.isEmpty()) {
            return;
        }
        long first = applied.get(0).index();
        long last = applied.get(applied.size() - 1).index();
        Iterator<Map.Entry<Long, List<Pending>>> it = byIndex.headMap(last, true).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, List<Pending>> e = it.next();
            long index = e.getKey();
            for (Pending p : e.getValue()) {
                forget(p);
                if (index < first) {
                    throw new IllegalStateException("proposal " + p.correlationId() + " at " + index
                            + " was skipped by an apply starting at " + first);
                }
                if (applied.get((int) (index - first)).term() != p.term()) {
                    out.add(new Action.ProposalDropped(p.correlationId(), p.index(), p.term()));
                }
            }
            it.remove();
        }
    }
}
