package dev.sansraft.storage.file;

import dev.sansraft.core.HardState;

/**
 * Everything the store keeps outside its segments: Raft's hard state, the compaction point (the first index the
 * log still holds and the term of the entry just before it, which a snapshot covers), and which segment files are
 * live.
 *
 * <p>Immutable and thread-safe.
 *
 * @param hardState       current term and vote
 * @param firstIndex      first index the log holds, at least 1
 * @param termBeforeFirst term of entry {@code firstIndex - 1}; 0 when {@code firstIndex == 1}
 * @param tailSegmentId   id of a segment that must exist on open (the newest one when it was recorded), or 0; it
 *                        lets recovery tell a lost newest segment from a log that simply ends earlier
 * @param maxSegmentId    highest segment id ever created in the directory, so that ids stay unique even after
 *                        every segment file has been deleted
 * @param firstSegmentId  lowest id a live segment can have: a segment file with a lower id holds only entries a
 *                        {@linkplain #withReset reset} discarded, whatever indexes it covers; 0 when there was none
 */
record DurableState(HardState hardState, long firstIndex, long termBeforeFirst, long tailSegmentId,
                    long maxSegmentId, long firstSegmentId) {

    static final DurableState INITIAL = new DurableState(HardState.INITIAL, 1, 0, 0, 0, 0);

    DurableState {
        if (hardState == null || firstIndex < 1 || termBeforeFirst < 0 || (firstIndex == 1 && termBeforeFirst != 0)
                || tailSegmentId < 0 || maxSegmentId < tailSegmentId || firstSegmentId < 0
                || firstSegmentId > maxSegmentId + 1 || (tailSegmentId != 0 && tailSegmentId < firstSegmentId)) {
            throw new IllegalArgumentException("invalid durable state: " + hardState + ", first index " + firstIndex
                    + ", term before first " + termBeforeFirst + ", tail segment " + tailSegmentId
                    + ", max segment " + maxSegmentId + ", first segment " + firstSegmentId);
        }
    }

    DurableState withHardState(HardState state) {
        return new DurableState(state, firstIndex, termBeforeFirst, tailSegmentId, maxSegmentId, firstSegmentId);
    }

    DurableState withCompaction(long newFirstIndex, long newTermBeforeFirst, long newTailSegmentId) {
        return new DurableState(hardState, newFirstIndex, newTermBeforeFirst, newTailSegmentId, maxSegmentId,
                firstSegmentId);
    }

    /**
     * An empty log that continues after {@code (index, term)}: every segment with an id below
     * {@code nextSegmentId} (all that exist) is dead from the moment this state is durable.
     */
    DurableState withReset(long index, long term, long nextSegmentId) {
        return new DurableState(hardState, index + 1, term, 0, Math.max(maxSegmentId, nextSegmentId - 1),
                nextSegmentId);
    }

    /** Records {@code id} as the newest segment (and as the highest id ever used, if it is). */
    DurableState withTailSegment(long id) {
        return new DurableState(hardState, firstIndex, termBeforeFirst, id, Math.max(maxSegmentId, id),
                firstSegmentId);
    }
}
