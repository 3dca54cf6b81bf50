package dev.sansraft.node;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RaftNodeBuilderTest {

    private static RaftNode.Builder valid() {
        return RaftNode.builder().id(2).members(List.of(3L, 1L, 2L)).logStore(new InMemoryLogStore())
                .transport(new RecordingTransport()).stateMachine(new CountingStateMachine());
    }

    @Test
    void aValidBuilderBuildsAStoppedNodeWithSortedMembers() {
        RaftNode node = valid().build();

        assertThat(node.id()).isEqualTo(2);
        assertThat(node.status().members()).containsExactly(1L, 2L, 3L);
        assertThat(node.status().term()).isZero();
        node.close();
    }

    @Test
    void rejectsANonPositiveId() {
        assertThatThrownBy(() -> valid().id(0).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id must be positive, got 0");
    }

    @Test
    void rejectsAnIdOutsideTheMembers() {
        assertThatThrownBy(() -> valid().id(4).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id 4 is not one of the members");
    }

    @Test
    void rejectsDuplicateOrInvalidMembers() {
        assertThatThrownBy(() -> valid().members(List.of(1L, 2L, 2L)).build())
                .hasMessageContaining("member 2 is listed twice");
        assertThatThrownBy(() -> valid().members(List.of(-1L, 2L)).build())
                .hasMessageContaining("member ids must be positive, got -1");
        assertThatThrownBy(() -> valid().members(Arrays.asList(null, 2L)).build())
                .hasMessageContaining("member ids must be positive, got null");
        assertThatThrownBy(() -> valid().members(List.of()).build())
                .hasMessageContaining("members must name at least this node");
    }

    @Test
    void aNodeSchedulerExcludesTheTickSchedulerAndTheClock() {
        ManualScheduler scheduler = new ManualScheduler();
        assertThatThrownBy(() -> valid().nodeScheduler(scheduler).nanoTime(() -> 0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nodeScheduler");
        assertThat(valid().nodeScheduler(scheduler).build()).isNotNull();
    }

    @Test
    void rejectsMissingParts() {
        assertThatThrownBy(() -> valid().logStore(null).build()).hasMessageContaining("logStore is required");
        assertThatThrownBy(() -> valid().transport(null).build()).hasMessageContaining("transport is required");
        assertThatThrownBy(() -> valid().stateMachine(null).build())
                .hasMessageContaining("stateMachine is required");
        assertThatThrownBy(() -> valid().config(null).build()).hasMessageContaining("config is required");
        assertThatThrownBy(() -> valid().snapshotStore(null).build())
                .hasMessageContaining("snapshotStore must not be null");
    }

    /** Stands in for a log on disk: the builder knows it only by what it says about itself. */
    private static LogStore durableLog() {
        return new ForwardingLogStore(new InMemoryLogStore()) {
            @Override
            public boolean isDurable() {
                return true;
            }
        };
    }

    @Test
    void aDurableLogWithTheDefaultInMemorySnapshotStoreIsRefusedWithWhatToPassInstead() {
        assertThatThrownBy(() -> valid().logStore(durableLog()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("survives restarts but the snapshot store (the default InMemorySnapshotStore)")
                .hasMessageContaining(".snapshotStore(FileSnapshotStore.open(dir))")
                .hasMessageContaining(".allowVolatileSnapshots()");
        assertThatThrownBy(() -> valid().logStore(durableLog()).snapshotStore(new InMemorySnapshotStore()).build())
                .as("an explicit in-memory snapshot store is refused too")
                .hasMessageContaining("snapshot store (InMemorySnapshotStore) does not");
    }

    @Test
    void aDurableLogIsAcceptedWithADurableSnapshotStoreOrAnExplicitOptIn() {
        SnapshotStore durableSnapshots = new ForwardingSnapshotStore(new InMemorySnapshotStore());
        valid().logStore(durableLog()).snapshotStore(durableSnapshots).build().close();
        valid().logStore(durableLog()).allowVolatileSnapshots().build().close();
        valid().build().close(); // in-memory log, in-memory snapshots: nothing to lose in a restart
        assertThat(new InMemoryLogStore().isDurable()).isFalse();
        assertThat(new InMemorySnapshotStore().isDurable()).isFalse();
    }

    @Test
    void rejectsNonPositiveDurations() {
        assertThatThrownBy(() -> valid().tickInterval(Duration.ZERO).build())
                .hasMessageContaining("tickInterval must be positive, got PT0S");
        assertThatThrownBy(() -> valid().requestTimeout(Duration.ofMillis(-5)).build())
                .hasMessageContaining("requestTimeout must be positive");
    }

    @Test
    void requestsBeforeStartFailInsteadOfHanging() {
        RaftNode node = valid().build();

        assertThat(node.propose(new byte[0])).isCompletedExceptionally();
        assertThat(node.query(new byte[0], ReadConsistency.STALE)).isCompletedExceptionally();
        node.close();
    }

    @Test
    void aFailedHardStateLoadFailsStartWithAStorageException() {
        LogStore broken = new ForwardingLogStore(new InMemoryLogStore()) {
            @Override
            public dev.sansraft.core.HardState loadHardState() throws java.io.IOException {
                throw new java.io.IOException("unreadable");
            }
        };
        RaftNode node = valid().logStore(broken).build();

        assertThatThrownBy(node::start).isInstanceOf(StorageException.class).hasMessageContaining("node 2")
                .hasRootCauseMessage("unreadable");
        assertThat(node.propose(new byte[0])).isCompletedExceptionally();
    }
}
