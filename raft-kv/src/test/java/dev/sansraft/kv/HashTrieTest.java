package dev.sansraft.kv;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToLongFunction;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link HashTrie} against {@link HashMap} as a model, with freezes at random points: every frozen view must keep
 * exactly the contents of its moment while the trie changes on, whatever the hash function's quality.
 */
class HashTrieTest {

    /** Hash functions from strong to pathological: collisions and long shared paths must work too. */
    enum Hashing {
        STRONG(k -> Hash64.mix(k * 31 + 7)),
        /** Only 16 distinct hashes: almost every key lands in a collision node. */
        SIXTEEN_VALUES(k -> Hash64.mix(k & 15)),
        /** Hashes that differ only in their top bits: every pair of keys shares a path 12 levels deep. */
        TOP_BITS_ONLY(k -> (k * 0x9E37_79B9_7F4A_7C15L) & 0xF000_0000_0000_0000L),
        /** The key itself: dense low fragments, fully populated nodes. */
        IDENTITY(k -> k);

        final ToLongFunction<Long> hash;

        Hashing(ToLongFunction<Long> hash) {
            this.hash = hash;
        }
    }

    static Stream<Arguments> seedsAndHashings() {
        return LongStream.rangeClosed(1, 6).boxed()
                .flatMap(seed -> Stream.of(Hashing.values()).map(h -> Arguments.of(seed, h)));
    }

    @ParameterizedTest
    @MethodSource("seedsAndHashings")
    void frozenViewsKeepTheirMomentWhileTheTrieChanges(long seed, Hashing hashing) {
        Random random = new Random(seed);
        HashTrie<Long, String> trie = new HashTrie<>(hashing.hash);
        Map<Long, String> model = new HashMap<>();
        List<FrozenTrie<Long, String>> frozen = new ArrayList<>();
        List<Map<Long, String>> expected = new ArrayList<>();
        int keySpace = 1 + random.nextInt(2000);
        for (int step = 0; step < 20_000; step++) {
            long key = random.nextInt(keySpace);
            int op = random.nextInt(10);
            String context = "seed " + seed + " " + hashing + " step " + step + " key " + key;
            if (op < 5) {
                String value = "v" + step;
                assertThat(trie.put(key, value)).as(context).isEqualTo(model.put(key, value));
            } else if (op < 9) {
                assertThat(trie.remove(key)).as(context).isEqualTo(model.remove(key));
            } else {
                assertThat(trie.get(key)).as(context).isEqualTo(model.get(key));
            }
            assertThat(trie.size()).as(context).isEqualTo(model.size());
            if (random.nextInt(1500) == 0) {
                frozen.add(trie.freeze());
                expected.add(new HashMap<>(model));
            }
            if (random.nextInt(4000) == 0) {
                // Drain everything now and then so that removal must collapse the trie back to empty.
                for (Long k : new ArrayList<>(model.keySet())) {
                    assertThat(trie.remove(k)).as(context).isEqualTo(model.remove(k));
                }
                assertThat(trie.size()).as(context).isZero();
            }
        }
        assertThat(contents(trie)).as("seed %d %s live contents", seed, hashing).isEqualTo(model);
        for (int i = 0; i < frozen.size(); i++) {
            FrozenTrie<Long, String> view = frozen.get(i);
            Map<Long, String> at = expected.get(i);
            assertThat(view.size()).as("seed %d %s frozen view %d size", seed, hashing, i).isEqualTo(at.size());
            assertThat(contents(view)).as("seed %d %s frozen view %d", seed, hashing, i).isEqualTo(at);
            for (long k = 0; k < keySpace; k++) {
                assertThat(view.get(k)).as("seed %d %s frozen view %d key %d", seed, hashing, i, k)
                        .isEqualTo(at.get(k));
            }
        }
    }

    private static Map<Long, String> contents(HashTrie<Long, String> trie) {
        Map<Long, String> out = new HashMap<>();
        trie.forEach((k, v) -> assertThat(out.put(k, v)).as("key %d visited twice", k).isNull());
        return out;
    }

    private static Map<Long, String> contents(FrozenTrie<Long, String> trie) {
        Map<Long, String> out = new HashMap<>();
        trie.forEach((k, v) -> assertThat(out.put(k, v)).as("key %d visited twice", k).isNull());
        return out;
    }
}
