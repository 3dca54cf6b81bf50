package dev.sansraft.sim;

import java.util.HashMap;
import java.util.Map;

/**
 * The proposals one node incarnation accepted and that still await their one later outcome (action contract item 5):
 * applied (an entry with the accepted index and term), dropped, or unknown (a snapshot covered the index before this
 * node applied it). Keyed both by index, to match applies, and by correlation id, to match reported outcomes; an index
 * accepted again in a later term replaces the older proposal in the index map only, so that one still needs its own
 * outcome.
 *
 * <p>Not thread-safe: owned by one simulated node.
 */
final class AcceptedProposals {

    /** A proposal the core accepted at (index, term). */
    record Accepted(long correlationId, long index, long term) {
    }

    private final Map<Long, Accepted> byIndex = new HashMap<>();
    private final Map<Long, Accepted> byCorrelationId = new HashMap<>();

    void accepted(long correlationId, long index, long term) {
        Accepted a = new Accepted(correlationId, index, term);
        byIndex.put(index, a);
        byCorrelationId.put(correlationId, a);
    }

    /**
     * The entry at {@code (index, term)} was applied: returns the proposal it answers, now resolved, or null. A
     * proposal accepted at that index in another term is no longer matched by an apply (it is dropped, later).
     */
    Accepted applied(long index, long term) {
        if (byIndex.isEmpty()) {
            return null;
        }
        Accepted a = byIndex.remove(index);
        if (a == null || a.term() != term) {
            return null;
        }
        byCorrelationId.remove(a.correlationId());
        return a;
    }

    /**
     * A later outcome (dropped or unknown) for {@code correlationId} at {@code index}: returns the proposal it
     * resolves, or null when no such proposal awaits an outcome (a second outcome, or one never accepted).
     */
    Accepted resolve(long correlationId, long index) {
        Accepted a = byCorrelationId.get(correlationId);
        if (a == null || a.index() != index) {
            return null;
        }
        byCorrelationId.remove(correlationId);
        Accepted atIndex = byIndex.get(index);
        if (atIndex != null && atIndex.correlationId() == correlationId) {
            byIndex.remove(index);
        }
        return a;
    }

    /** Some proposal at or below {@code index} still awaiting an outcome, or null. */
    Accepted unresolvedUpTo(long index) {
        for (Accepted a : byCorrelationId.values()) {
            if (a.index() <= index) {
                return a;
            }
        }
        return null;
    }

    void clear() {
        byIndex.clear();
        byCorrelationId.clear();
    }
}
