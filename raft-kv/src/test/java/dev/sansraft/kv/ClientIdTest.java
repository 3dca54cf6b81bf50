package dev.sansraft.kv;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Text client ids (issue 15): validation, wire and snapshot encodings, and sessions that never share state. */
class ClientIdTest {

    private static final String UUID = "3f2c9a1e-6b7d-4e58-9a0b-1c2d3e4f5a6b";
    private final KvCommandCodec codec = KvCommandCodec.withDefaultLimits();

    @Test
    void acceptsOneTo128VisibleAsciiCharacters() {
        assertThat(ClientId.of(UUID).text()).isEqualTo(UUID);
        assertThat(ClientId.of("!").text()).isEqualTo("!");
        assertThat(ClientId.of("~".repeat(128)).text()).hasSize(128);
        assertThat(ClientId.problem("")).contains("must not be empty");
        assertThat(ClientId.problem("x".repeat(129))).contains("129 characters long, at most 128");
        assertThat(ClientId.problem("a b")).contains("visible ASCII").contains("code 32 at position 1");
        assertThat(ClientId.problem("caf\u00e9")).contains("visible ASCII");
        assertThatThrownBy(() -> ClientId.of("tab\there")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("client id may hold only visible ASCII");
    }

    @Test
    void numericIdsAreTheirUnsignedDecimalText() {
        assertThat(ClientId.of(42L)).isEqualTo(ClientId.of("42"));
        assertThat(ClientId.of(-1L).text()).isEqualTo("18446744073709551615");
        assertThat(ClientId.of("18446744073709551615").isCanonicalNumber()).isTrue();
        assertThat(ClientId.of("18446744073709551616").isCanonicalNumber()).as("over 64 bits").isFalse();
        assertThat(ClientId.of("042").isCanonicalNumber()).as("leading zero").isFalse();
        assertThat(ClientId.of("0").isCanonicalNumber()).isTrue();
    }

    @Test
    void textIdsRoundTripThroughTheCommandCodecAndNumericOnesKeepTheirEightBytes() {
        for (String id : new String[]{UUID, "billing-service", "042", "18446744073709551616", "~".repeat(128)}) {
            KvCommand put = new KvCommand.Put(new SessionTag(ClientId.of(id), 5, 3), Bytes.ofUtf8("k"),
                    Bytes.ofUtf8("v"));
            byte[] encoded = codec.encode(put);
            assertThat(codec.decode(encoded)).as(id).isEqualTo(put);
            assertThat(codec.encode(codec.decode(encoded))).as("one encoding per command").isEqualTo(encoded);
        }
        KvCommand numeric = new KvCommand.Put(new SessionTag(300, 1, 1), Bytes.ofUtf8("k"), Bytes.ofUtf8("v"));
        byte[] encoded = codec.encode(numeric);
        assertThat(encoded[2]).as("flags: session, numeric id").isEqualTo((byte) 1);
        assertThat(encoded).as("3-byte header, 8-byte id, 2 varints, key, value").hasSize(3 + 8 + 2 + 2 + 2);
        assertThat(codec.decode(encoded)).isEqualTo(numeric);
    }

    @Test
    void malformedTextIdsAreDecodeErrors() {
        byte[] valid = codec.encode(new KvCommand.Put(new SessionTag(ClientId.of("ab"), 1, 1), Bytes.ofUtf8("k"),
                Bytes.ofUtf8("v")));
        assertThat(valid[2]).as("flags: session, text id").isEqualTo((byte) 3);
        byte[] space = valid.clone();
        space[4] = ' ';
        assertThatThrownBy(() -> codec.decode(space)).isInstanceOf(KvCodecException.class)
                .hasMessageContaining("client id");
        byte[] digits = valid.clone();
        digits[4] = '1';
        digits[5] = '2';
        assertThatThrownBy(() -> codec.decode(digits)).as("a canonical number must use the 8-byte form")
                .isInstanceOf(KvCodecException.class).hasMessageContaining("client id");
        byte[] empty = new byte[]{1, 1, 3, 0, 1, 0, 1, 'k', 1, 'v'};
        assertThatThrownBy(() -> codec.decode(empty)).isInstanceOf(KvCodecException.class);
        byte[] flagAlone = new byte[]{1, 1, 2, 1, 'k', 1, 'v'};
        assertThatThrownBy(() -> codec.decode(flagAlone)).isInstanceOf(KvCodecException.class)
                .hasMessageContaining("without a session");
    }

    @Test
    void collidingHashesNeverShareASession() {
        // Every id hashes to the same value: the table must still tell them apart by the whole id.
        SessionTable table = new SessionTable(1_000, 10, id -> 7L);
        ClientId a = ClientId.of(UUID);
        ClientId b = ClientId.of("another-client");
        ClientSession sa = table.touch(a, 1, 1);
        sa.save(1, new byte[]{1}, 8);
        ClientSession sb = table.touch(b, 1, 2);
        assertThat(sb).isNotSameAs(sa);
        assertThat(sb.savedResponse(1)).as("b's sequence 1 is not a's").isNull();
        sb.save(1, new byte[]{2}, 8);
        assertThat(table.touch(a, 1, 3).savedResponse(1)).containsExactly(1);
        assertThat(table.touch(b, 1, 4).savedResponse(1)).containsExactly(2);
        FrozenTrie<ClientId, ClientSession> frozen = table.freeze();
        assertThat(frozen.size()).isEqualTo(2);
        assertThat(frozen.get(a).savedResponse(1)).containsExactly(1);
        assertThat(frozen.get(b).savedResponse(1)).containsExactly(2);
    }

    @Test
    void sameSequenceFromTwoTextClientsAppliesBothAndRetriesApplyNeither() {
        KvStateMachine sm = KvStateMachine.create();
        KvCommand fromA = new KvCommand.Put(new SessionTag(ClientId.of(UUID), 1, 1), Bytes.ofUtf8("k"),
                Bytes.ofUtf8("a"));
        KvCommand fromB = new KvCommand.Put(new SessionTag(ClientId.of("b"), 1, 1), Bytes.ofUtf8("k"),
                Bytes.ofUtf8("b"));
        byte[] first = sm.apply(LogEntry.normal(1, 1, codec.encode(fromA)));
        sm.apply(LogEntry.normal(2, 1, codec.encode(fromB)));
        assertThat(sm.get(Bytes.ofUtf8("k"))).as("b's write applied, not mistaken for a's retry")
                .isEqualTo(Bytes.ofUtf8("b"));
        assertThat(sm.apply(LogEntry.normal(3, 1, codec.encode(fromA)))).as("a's retry: saved answer")
                .isEqualTo(first);
        assertThat(sm.get(Bytes.ofUtf8("k"))).as("a's retry applied nothing").isEqualTo(Bytes.ofUtf8("b"));
        assertThat(sm.sessionCount()).isEqualTo(2);
    }

    @Test
    void snapshotsKeepTextIdsAndVersionOneSnapshotsStillRestore() throws IOException {
        KvStateMachine original = KvStateMachine.create();
        KvCommand put = new KvCommand.Put(new SessionTag(ClientId.of(UUID), 1, 1), Bytes.ofUtf8("a"),
                Bytes.ofUtf8("1"));
        byte[] first = original.apply(LogEntry.normal(1, 1, codec.encode(put)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        original.writeSnapshot(out);
        assertThat(out.toByteArray()[4]).as("format version").isEqualTo((byte) KvSnapshotFormat.VERSION);
        KvStateMachine restored = KvStateMachine.create();
        restored.readSnapshot(new ByteArrayInputStream(out.toByteArray()));
        assertThat(restored.digest()).isEqualTo(original.digest());
        assertThat(restored.apply(LogEntry.normal(2, 1, codec.encode(put)))).as("retry after restore")
                .isEqualTo(first);

        // A version 1 snapshot, as written before text ids: one key, one session of numeric client 9.
        byte[] saved = codec.encodeResult(new PutResult(1));
        ByteArrayOutputStream v1 = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(v1);
        d.writeInt(KvSnapshotFormat.MAGIC);
        d.writeByte(1);
        d.writeLong(1);
        d.writeLong(1);
        d.writeInt(1);
        d.write('a');
        d.writeInt(1);
        d.write('1');
        d.writeInt(1);
        d.writeLong(9);
        d.writeLong(1);
        d.writeLong(1);
        d.writeInt(1);
        d.writeLong(1);
        d.writeInt(saved.length);
        d.write(saved);
        d.writeInt(KvSnapshotFormat.END_MARKER);
        CRC32C crc = new CRC32C();
        crc.update(v1.toByteArray());
        d.writeInt((int) crc.getValue());
        KvStateMachine old = KvStateMachine.create();
        old.readSnapshot(new ByteArrayInputStream(v1.toByteArray()));
        KvCommand retry = new KvCommand.Put(new SessionTag(9, 1, 1), Bytes.ofUtf8("a"), Bytes.ofUtf8("1"));
        assertThat(old.apply(LogEntry.normal(2, 1, codec.encode(retry)))).as("client 9's retry is recognised")
                .isEqualTo(saved);
        assertThat(old.lastAppliedIndex()).isEqualTo(2);
    }
}
