package dev.sansraft.kv;

import java.util.function.BiConsumer;
import java.util.function.ToLongFunction;

/**
 * The contents of a {@link HashTrie} at the moment {@link HashTrie#freeze()} was called. Holding it keeps the trie
 * nodes of that moment alive (see {@link HashTrie} for the memory cost); dropping it releases them.
 *
 * <p>Thread-safety: immutable, so any thread may read it. The nodes it reaches are never changed after the freeze
 * (the trie copies them instead), and its fields are final, so a reader on another thread sees them complete even
 * without other synchronization.
 */
final class FrozenTrie<K, V> {

    private final HashTrie.Node root;
    private final int size;
    private final ToLongFunction<? super K> hasher;

    FrozenTrie(HashTrie.Node root, int size, ToLongFunction<? super K> hasher) {
        this.root = root;
        this.size = size;
        this.hasher = hasher;
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(K key) {
        return (V) HashTrie.find(root, hasher.applyAsLong(key), key);
    }

    /** Calls {@code action} for every entry, in hash order (arbitrary: sort if the order matters). */
    void forEach(BiConsumer<? super K, ? super V> action) {
        root.forEach(action);
    }
}
