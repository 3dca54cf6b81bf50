package dev.sansraft.node;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotMetaTest {

    @Test
    void membersAreCopiedSoLaterChangesDoNotLeakIn() {
        List<Long> members = new ArrayList<>(List.of(1L, 2L, 3L));
        SnapshotMeta meta = new SnapshotMeta(10, 2, members, 5, 0xFFFF_FFFFL);
        members.add(4L);
        assertThat(meta.members()).containsExactly(1L, 2L, 3L);
        assertThatThrownBy(() -> meta.members().add(9L)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void invalidPositionsAreRefusedWithTheValues() {
        assertThatThrownBy(() -> new SnapshotMeta(0, 1, List.of(1L), 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index 0");
        assertThatThrownBy(() -> new SnapshotMeta(5, 0, List.of(1L), 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("term 0");
        assertThatThrownBy(() -> new SnapshotMeta(5, 1, List.of(), 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no members");
        assertThatThrownBy(() -> new SnapshotMeta(5, 1, List.of(1L, 1L), 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repeated member id 1");
        assertThatThrownBy(() -> new SnapshotMeta(5, 1, List.of(1L), -1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size -1");
        assertThatThrownBy(() -> new SnapshotMeta(5, 1, List.of(1L), 0, 1L << 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksum");
    }

    @Test
    void aStateMachineWithoutSnapshotSupportSaysSo() {
        StateMachine plain = entry -> new byte[0];
        assertThatThrownBy(() -> plain.writeSnapshot(new ByteArrayOutputStream()))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("does not write snapshots");
        assertThatThrownBy(() -> plain.restoreSnapshot(new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("does not restore snapshots");
        assertThat(plain.apply(LogEntry.normal(1, 1, new byte[] {1}))).isEmpty();
    }
}
