package dev.sansraft.node;

import dev.sansraft.core.Action;
import dev.sansraft.core.Event;
import dev.sansraft.core.HardState;
import dev.sansraft.core.LogView;
import dev.sansraft.core.Membership;
import dev.sansraft.core.RaftConfig;
import dev.sansraft.core.RaftCore;
import dev.sansraft.core.RaftStatus;
import dev.sansraft.core.SnapshotInfo;

import java.util.List;
import java.util.Optional;

/**
 * The seam between the runtime and {@link RaftCore}: the event loop drives whatever steps like a core, so that the
 * runtime's own rules (ordering, futures, timeouts) can be tested against a scripted core.
 *
 * <p>Not thread-safe: owned by the event-loop thread.
 */
interface ConsensusCore {

    /** Steps every event in order and returns the actions for all of them (see {@link RaftCore#stepAll}). */
    List<Action> stepAll(List<? extends Event> events);

    RaftStatus status();

    /** Builds the core from durable state when the node starts. */
    @FunctionalInterface
    interface Factory {
        ConsensusCore create(long id, Membership bootstrap, RaftConfig config, LogView log, HardState hardState,
                             Optional<SnapshotInfo> snapshot);
    }

    /** The production factory: a real {@link RaftCore}. */
    Factory RAFT = (id, bootstrap, config, log, hardState, snapshot) -> {
        RaftCore core = RaftCore.create(id, bootstrap, config, log, hardState, snapshot);
        return new ConsensusCore() {
            @Override
            public List<Action> stepAll(List<? extends Event> events) {
                return core.stepAll(events);
            }

            @Override
            public RaftStatus status() {
                return core.status();
            }
        };
    };
}
