package dev.sansraft.kv;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class KvDeterminismTest {

    private final KvCommandCodec codec = KvCommandCodec.withDefaultLimits();

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void sameCommandStreamGivesSameResultsAndDigest(long seed) {
        KvStateMachine a = KvStateMachine.builder().sessionExpiryEntries(500).maxSessions(4).build();
        KvStateMachine b = KvStateMachine.builder().sessionExpiryEntries(500).maxSessions(4).build();
        RandomCommands genA = new RandomCommands(seed, 100, 32, 6);
        RandomCommands genB = new RandomCommands(seed, 100, 32, 6);
        long index = 0;
        for (int i = 0; i < 5000; i++) {
            index += 1 + (i % 97 == 0 ? 3 : 0); // gaps where NOOPs would be
            byte[] ra = a.apply(LogEntry.normal(index, 1, codec.encode(genA.command())));
            byte[] rb = b.apply(LogEntry.normal(index, 1, codec.encode(genB.command())));
            assertThat(ra).as("seed %d entry %d", seed, index).isEqualTo(rb);
        }
        assertThat(a.digest()).as("seed %d", seed).isEqualTo(b.digest());
        assertThat(a.size()).isPositive();

        // A single differing write shows up in the digest.
        b.apply(LogEntry.normal(index + 1, 1, codec.encode(new KvCommand.Put(null, Bytes.ofUtf8("k1"),
                Bytes.ofUtf8("different")))));
        a.apply(LogEntry.normal(index + 1, 1, codec.encode(new KvCommand.Put(null, Bytes.ofUtf8("k1"),
                Bytes.ofUtf8("differenT")))));
        assertThat(a.digest()).as("seed %d", seed).isNotEqualTo(b.digest());
    }
}
