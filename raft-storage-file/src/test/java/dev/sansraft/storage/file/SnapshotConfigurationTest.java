package dev.sansraft.storage.file;

import dev.sansraft.core.Membership;
import dev.sansraft.node.CorruptSnapshotException;
import dev.sansraft.node.SnapshotMeta;
import dev.sansraft.node.SnapshotWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Snapshot files keep the whole configuration (version 2) and still read the voter ids of version 1 files. */
class SnapshotConfigurationTest {

    private static final Membership JOINT = new Membership(
            List.of(new Membership.Member(1, "h1:9001/8001"), new Membership.Member(4, "h4:9004/8004")),
            List.of(new Membership.Member(1, "h1:9001/8001"), new Membership.Member(2, "h2:9002/8002"),
                    new Membership.Member(3, "h3:9003/8003")),
            List.of(new Membership.Member(7, "h7:9007/8007")));

    @TempDir
    Path dir;

    @Test
    void aSnapshotKeepsItsWholeConfigurationAcrossARestart() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            try (SnapshotWriter w = store.begin(10, 3, JOINT)) {
                w.write(new byte[] {1, 2, 3}, 0, 3);
                assertThat(w.commit().membership()).isEqualTo(JOINT);
            }
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            SnapshotMeta meta = store.newest().orElseThrow();
            assertThat(meta.membership()).as("voters, learners, endpoints and the joint state").isEqualTo(JOINT);
            assertThat(meta.members()).containsExactly(1L, 2L, 3L, 4L);
        }
    }

    @Test
    void aVersionOneFileIsReadAsAConfigurationOfItsVoters() throws IOException {
        byte[] payload = {9, 8, 7, 6};
        ByteBuffer file = ByteBuffer.allocate(28 + 3 * 8 + 4 + payload.length + 24);
        file.putInt(SnapshotFraming.HEADER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(5).putLong(2)
                .putInt(3).putLong(1).putLong(2).putLong(3);
        file.putInt((int) crc(file.array(), 0, file.position()));
        file.put(payload);
        int trailer = file.position();
        file.putLong(payload.length).putInt((int) crc(payload, 0, payload.length)).putInt(SnapshotFraming.TRAILER_MAGIC)
                .putInt(0);
        file.putInt((int) crc(file.array(), trailer, 20));
        Files.write(dir.resolve(SnapshotFraming.fileName(5, 2)), file.array());

        try (FileSnapshotStore store = FileSnapshotStore.open(dir)) {
            SnapshotMeta meta = store.newest().orElseThrow();
            assertThat(meta.membership()).isEqualTo(Membership.ofVoters(List.of(1L, 2L, 3L)));
            assertThat(meta.sizeBytes()).isEqualTo(payload.length);
        }
    }

    @Test
    void anUnknownVersionOrAnImpossibleConfigurationLengthIsCorruption() throws IOException {
        ByteBuffer newer = header();
        newer.putShort(4, (short) 3);
        assertThatThrownBy(() -> SnapshotFraming.decodeHeaderBytes(newer, dir))
                .isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("versions 1 and 2");
        ByteBuffer absurd = header();
        absurd.putInt(24, Integer.MAX_VALUE);
        assertThatThrownBy(() -> SnapshotFraming.decodeHeaderBytes(absurd, dir))
                .isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("impossible configuration length");
        ByteBuffer damaged = header();
        damaged.put(40, (byte) (damaged.get(40) ^ 1));
        assertThatThrownBy(() -> SnapshotFraming.decodeHeader(damaged, dir))
                .isInstanceOf(CorruptSnapshotException.class).hasMessageContaining("checksum");
        assertThat(SnapshotFraming.decodeHeaderBytes(header(), dir)).isEqualTo(SnapshotFraming.headerBytes(JOINT));
        assertThat(SnapshotFraming.decodeHeader(header(), dir).membership()).isEqualTo(JOINT);
    }

    private static ByteBuffer header() {
        ByteBuffer header = ByteBuffer.allocate(SnapshotFraming.MAX_HEADER_BYTES);
        SnapshotFraming.encodeHeader(header, 5, 2, JOINT);
        return header.flip();
    }

    private static long crc(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, length);
        return crc.getValue();
    }
}
