package dev.sansraft.kv;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The snapshot writer's key sort: unsigned byte order, values moved with their keys. */
class KvSnapshotFormatSortTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 15, 16, 17, 100, 1000, 5000})
    void sortsKeysInUnsignedByteOrderAndMovesValuesAlong(int n) {
        for (long seed = 1; seed <= 3; seed++) {
            Random random = new Random(seed * 1000 + n);
            Set<Bytes> distinct = new LinkedHashSet<>();
            while (distinct.size() < n) {
                // Short keys over a tiny alphabet with shared prefixes, including bytes >= 0x80 and the empty key.
                byte[] key = new byte[random.nextInt(5)];
                for (int i = 0; i < key.length; i++) {
                    key[i] = (byte) (random.nextBoolean() ? 0x7F + random.nextInt(3) : random.nextInt(3));
                }
                distinct.add(Bytes.wrap(key));
                if (distinct.size() < n && random.nextInt(3) == 0) {
                    distinct.add(Bytes.ofUtf8("key-" + random.nextInt(4 * n))); // longer keys, long shared prefix
                }
            }
            byte[][] keys = new byte[n][];
            byte[][] values = new byte[n][];
            int i = 0;
            for (Bytes key : distinct) {
                keys[i] = key.array();
                values[i] = ("value of " + key).getBytes();
                i++;
            }
            if (random.nextBoolean() && n > 1) {
                // Presorted input takes the copy-instead-of-merge path.
                Integer[] order = new Integer[n];
                Arrays.setAll(order, x -> x);
                Arrays.sort(order, Comparator.comparing(x -> Bytes.wrap(keys[x])));
                byte[][] k2 = new byte[n][];
                byte[][] v2 = new byte[n][];
                for (int x = 0; x < n; x++) {
                    k2[x] = keys[order[x]];
                    v2[x] = values[order[x]];
                }
                System.arraycopy(k2, 0, keys, 0, n);
                System.arraycopy(v2, 0, values, 0, n);
            }
            Bytes[] expected = distinct.toArray(new Bytes[0]);
            Arrays.sort(expected);

            KvSnapshotFormat.sortByKey(keys, values, n);

            for (int x = 0; x < n; x++) {
                assertThat(Bytes.wrap(keys[x])).as("seed %d n %d position %d", seed, n, x).isEqualTo(expected[x]);
                assertThat(values[x]).as("seed %d n %d value at %d", seed, n, x)
                        .isEqualTo(("value of " + expected[x]).getBytes());
            }
        }
    }
}
