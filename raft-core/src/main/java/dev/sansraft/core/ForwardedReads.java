package dev.sansraft.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A follower's reads forwarded to the leader for a read index (thesis §6.4, "followers can serve reads"), each
 * with the tick it was forwarded at. Kept in read-id order so that rejections come out deterministically. Not
 * thread-safe: owned by its {@link RaftCore}.
 */
final class ForwardedReads {

    private final TreeMap<Long, Long> forwardedAtTick = new TreeMap<>();

    void add(long readId, long tick) {
        forwardedAtTick.put(readId, tick);
    }

    /** Whether {@code readId} was waiting; it no longer is. */
    boolean remove(long readId) {
        return forwardedAtTick.remove(readId) != null;
    }

    /**
     * Removes and returns the reads forwarded {@code timeoutTicks} or more ago: their request or answer was lost, and
     * without this they would wait forever.
     */
    List<Long> takeExpired(long nowTick, int timeoutTicks) {
        if (forwardedAtTick.isEmpty()) {
            return List.of();
        }
        List<Long> expired = new ArrayList<>();
        Iterator<Map.Entry<Long, Long>> it = forwardedAtTick.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Long> e = it.next();
            if (nowTick - e.getValue() >= timeoutTicks) {
                expired.add(e.getKey());
                it.remove();
            }
        }
        return expired;
    }

    /** Removes and returns every waiting read, for rejection when the leader changes. */
    List<Long> takeAll() {
        List<Long> all = new ArrayList<>(forwardedAtTick.keySet());
        forwardedAtTick.clear();
        return all;
    }
}
