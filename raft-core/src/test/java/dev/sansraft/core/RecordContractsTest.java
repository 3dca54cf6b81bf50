package dev.sansraft.core;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The value contracts of the records that cross the core's boundary and carry bytes: {@link Message.InstallSnapshot}
 * and {@link LogEntry} compare their {@code byte[]} by content (a record's default would compare identity, so a
 * decoded copy of a message would not equal the one sent), hash consistently with that, and let every component
 * count in the hash; their {@code toString} names the position and the byte count, never the bytes.
 */
class RecordContractsTest {

    private static final SnapshotInfo SNAPSHOT = new SnapshotInfo(10, 2, List.of(1L, 2L, 3L), 100, 7);

    private static Message.InstallSnapshot chunk(long from, long to, long term, SnapshotInfo s, long offset,
                                                 byte[] data) {
        return new Message.InstallSnapshot(from, to, term, s, offset, data);
    }

    private static byte[] bytes(int length, int first) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    private static Message.InstallSnapshot base() {
        return chunk(40, 2, 3, SNAPSHOT, 40, bytes(10, 0));
    }

    @Test
    @DisplayName("InstallSnapshot: equal by content, like a copy decoded off the wire")
    void installSnapshotChunksAreEqualByContent() {
        Message.InstallSnapshot a = base();
        Message.InstallSnapshot copy = chunk(40, 2, 3, new SnapshotInfo(10, 2, List.of(1L, 2L, 3L), 100, 7), 40,
                bytes(10, 0));
        assertThat(a).isEqualTo(copy).hasSameHashCodeAs(copy);
        assertThat(a.equals(a)).isTrue();
        assertThat(a.equals("InstallSnapshot")).as("another type").isFalse();
        assertThat(a.equals(null)).isFalse();
    }

    @Test
    @DisplayName("InstallSnapshot: each component on its own makes a different chunk, with a different hash")
    void everyComponentOfAChunkCounts() {
        Message.InstallSnapshot a = base();
        List<Message.InstallSnapshot> others = List.of(
                chunk(41, 2, 3, SNAPSHOT, 40, bytes(10, 0)),
                chunk(40, 3, 3, SNAPSHOT, 40, bytes(10, 0)),
                chunk(40, 2, 4, SNAPSHOT, 40, bytes(10, 0)),
                chunk(40, 2, 3, SNAPSHOT, 41, bytes(10, 0)),
                chunk(40, 2, 3, new SnapshotInfo(10, 2, List.of(1L, 2L, 3L), 100, 8), 40, bytes(10, 0)),
                chunk(40, 2, 3, SNAPSHOT, 40, bytes(10, 1)));
        for (Message.InstallSnapshot other : others) {
            assertThat(a).as("vs %s", other).isNotEqualTo(other);
            assertThat(other).as("vs %s", other).isNotEqualTo(a);
            assertThat(a.hashCode()).as("hash vs %s", other).isNotEqualTo(other.hashCode());
        }
    }

    @Test
    @DisplayName("InstallSnapshot: the chunk that ends at the snapshot's size is the last (Raft §7 'done')")
    void theChunkEndingAtTheSnapshotsSizeIsTheLast() {
        assertThat(base().isLast()).as("[40, 50) of 100 bytes").isFalse();
        assertThat(chunk(1, 2, 3, SNAPSHOT, 90, bytes(10, 0)).isLast()).as("[90, 100) of 100 bytes").isTrue();
        assertThat(chunk(1, 2, 3, SNAPSHOT, 0, bytes(100, 0)).isLast()).as("one chunk holding it all").isTrue();
        SnapshotInfo empty = new SnapshotInfo(10, 2, List.of(1L), 0, 0);
        assertThat(chunk(1, 2, 3, empty, 0, new byte[0]).isLast()).as("an empty snapshot is one empty chunk")
                .isTrue();
        assertThatThrownBy(() -> chunk(1, 2, 3, SNAPSHOT, 95, bytes(10, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[95, 105)")
                .hasMessageContaining("100 bytes");
    }

    @Test
    @DisplayName("InstallSnapshot: toString names the chunk's place and size, not its bytes")
    void aChunkPrintsItsPlaceAndSizeNotItsBytes() {
        assertThat(base().toString()).contains("from=40", "to=2", "term=3", "offset=40", "bytes=10")
                .contains("index=10");
    }

    @Test
    @DisplayName("LogEntry: every component on its own makes a different entry, with a different hash")
    void everyComponentOfAnEntryCounts() {
        LogEntry a = LogEntry.normal(40, 2, new byte[] {1, 2});
        assertThat(a.equals("40@2")).as("another type").isFalse();
        assertThat(a.equals(null)).isFalse();
        List<LogEntry> others = List.of(
                LogEntry.normal(41, 2, new byte[] {1, 2}),
                LogEntry.normal(40, 3, new byte[] {1, 2}),
                new LogEntry(40, 2, EntryKind.CONFIG, new byte[] {1, 2}),
                LogEntry.normal(40, 2, new byte[] {1, 3}));
        for (LogEntry other : others) {
            assertThat(a).as("vs %s", other).isNotEqualTo(other);
            assertThat(a.hashCode()).as("hash vs %s", other).isNotEqualTo(other.hashCode());
        }
    }

    @Test
    @DisplayName("LogEntry: toString names index@term, kind and payload size, not the payload")
    void anEntryPrintsItsPositionKindAndSize() {
        assertThat(LogEntry.normal(5, 2, new byte[] {1, 2}).toString()).contains("5@2", "NORMAL", "2B");
        assertThat(LogEntry.noop(7, 3).toString()).contains("7@3", "NOOP", "0B");
    }

    @Test
    @DisplayName("SnapshotInfo: members() lists every voter, the outgoing ones of a joint configuration too")
    void aSnapshotsMembersAreEveryVoter() {
        assertThat(SNAPSHOT.members()).containsExactly(1L, 2L, 3L);
        Membership joint = new Membership(
                List.of(new Membership.Member(1, ""), new Membership.Member(4, "")),
                List.of(new Membership.Member(1, ""), new Membership.Member(2, ""), new Membership.Member(3, "")),
                List.of(new Membership.Member(5, "")));
        assertThat(new SnapshotInfo(10, 2, joint, 0, 0).members()).as("learner 5 does not vote")
                .containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    @DisplayName("Message headers: ids start at 1 on both ends, terms at 0")
    void headerBoundaries() {
        assertThatThrownBy(() -> new Message.VoteResponse(1, 0, 1, true, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("to=0");
        assertThatThrownBy(() -> new Message.VoteResponse(0, 1, 1, true, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from=0");
        assertThat(new Message.VoteResponse(1, 2, 0, false, false).term()).as("term 0 is a valid term").isZero();
        assertThat(new Message.VoteResponse(1, 1, 1, true, false).to()).isEqualTo(1);
    }
}
