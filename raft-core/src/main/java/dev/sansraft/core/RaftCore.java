package dev.sansraft.core;

import java.util.Collection;
import java.util.List;

/**
 * The pure Raft state machine for one node. Work in progress: the API is fixed, the implementation is being written.
 */
public final class RaftCore {

    private RaftCore() {
    }

    /**
     * Builds a core from durable state: the hard state last persisted and the log as stored.
     *
     * @param id        this node's id, positive, one of {@code members}
     * @param members   every voting member's id, this node included
     * @param config    tuning
     * @param log       the durable log, read through a narrow view
     * @param hardState the last persisted term and vote
     */
    public static RaftCore create(long id, Collection<Long> members, RaftConfig config, LogView log,
                                  HardState hardState) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Feeds one event and returns the actions to carry out, in order (see {@link Action}). */
    public List<Action> step(Event event) {
        throw new UnsupportedOperationException("not yet");
    }

    public RaftStatus status() {
        throw new UnsupportedOperationException("not yet");
    }
}
