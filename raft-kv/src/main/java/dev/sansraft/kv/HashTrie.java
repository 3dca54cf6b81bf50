package dev.sansraft.kv;

import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.ToLongFunction;

/**
 * A hash map whose current contents can be frozen in O(1): a hash array mapped trie (HAMT, 32-way nodes indexed by
 * successive 5-bit fragments of a 64-bit key hash) that is mutated in place until {@link #freeze()} is called and
 * copy-on-write afterwards.
 *
 * <p><b>How freezing works.</b> Every node records the <i>owner</i> token that created it. The map mutates a node in
 * place only when the node's owner is the map's current token. {@link #freeze()} returns a {@link FrozenTrie} that
 * holds the current root and replaces the token with a fresh one, so every existing node becomes read-only: the
 * first later change under a node copies it (and its path to the root, at most 14 nodes, in practice 4 or 5 for a
 * million keys); later changes under the copy mutate the copy in place. Keys and values are shared, never copied.
 *
 * <p><b>Costs.</b> Without a live frozen view the map behaves like an ordinary mutable hash map (one lookup descends
 * about log<sub>32</sub>(n) nodes). While a frozen view is alive, the first change in each region of the trie copies
 * the nodes on its path: extra memory is at most one copy of the trie's nodes (about 10-20 bytes per key of node
 * arrays and headers, never the keys or values), usually far less, because writes concentrate on the paths they
 * already copied. Several frozen views may be alive at once; each pins the nodes it references, so memory is the
 * union of the versions still referenced. A frozen view is released by the garbage collector as soon as nothing
 * references it; there is nothing to close.
 *
 * <p>Iteration order (in {@link #forEach} and {@link FrozenTrie#forEach}) follows the hash and is therefore
 * arbitrary: callers that need a deterministic order sort.
 *
 * <p>Keys and values must not be null. Two keys whose 64-bit hashes are equal share a collision node that is
 * searched linearly, so the hash function should be strong (see {@link Hash64}).
 *
 * <p>Thread-safety: not thread-safe; owned by one thread (the state machine's apply thread). Frozen views are
 * immutable and may be read from any thread.
 */
final class HashTrie<K, V> {

    private static final int BITS = 5;
    private static final int MASK = (1 << BITS) - 1;
    /** The shift of the last level that holds hash bits; below it, keys with equal hashes share a collision node. */
    private static final int MAX_SHIFT = 60;

    private final ToLongFunction<? super K> hasher;
    private Object owner = new Object();
    private Node root = BitmapNode.empty(owner);
    private int size;

    /** The value the last put or remove replaced or removed (null if none); a field, so updates allocate nothing. */
    private Object previous;

    HashTrie(ToLongFunction<? super K> hasher) {
        this.hasher = hasher;
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(K key) {
        long hash = hasher.applyAsLong(key);
        return (V) find(root, hash, key);
    }

    /** Maps {@code key} to {@code value} and returns the previous value, or null if the key was absent. */
    @SuppressWarnings("unchecked")
    V put(K key, V value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException("null key or value: " + key + " -> " + value);
        }
        previous = null;
        root = root.put(this, 0, hasher.applyAsLong(key), key, value);
        Object old = previous;
        previous = null;
        if (old == null) {
            size++;
        }
        return (V) old;
    }

    /** Removes {@code key} and returns its value, or null if it was absent. */
    @SuppressWarnings("unchecked")
    V remove(K key) {
        previous = null;
        Node after = root.remove(this, 0, hasher.applyAsLong(key), key);
        root = after == null ? BitmapNode.empty(owner) : after;
        Object old = previous;
        previous = null;
        if (old != null) {
            size--;
        }
        return (V) old;
    }

    /** Calls {@code action} for every entry, in hash order. */
    void forEach(BiConsumer<? super K, ? super V> action) {
        root.forEach(action);
    }

    /**
     * The current contents as an immutable view, in O(1): no node is copied now; later changes to this map copy the
     * nodes they touch instead of mutating them.
     */
    FrozenTrie<K, V> freeze() {
        owner = new Object();
        return new FrozenTrie<>(root, size, hasher);
    }

    @SuppressWarnings("unchecked")
    private long hashOf(Object key) {
        return hasher.applyAsLong((K) key);
    }

    static Object find(Node root, long hash, Object key) {
        Node node = root;
        int shift = 0;
        while (node instanceof BitmapNode) {
            BitmapNode b = (BitmapNode) node;
            int bit = 1 << fragment(hash, shift);
            if ((b.bitmap & bit) == 0) {
                return null;
            }
            int at = 2 * Integer.bitCount(b.bitmap & (bit - 1));
            Object k = b.slots[at];
            if (k != null) {
                return key.equals(k) ? b.slots[at + 1] : null;
            }
            node = (Node) b.slots[at + 1];
            shift += BITS;
        }
        return ((CollisionNode) node).find(key);
    }

    private static int fragment(long hash, int shift) {
        return (int) (hash >>> shift) & MASK;
    }

    /** A node of the trie: either a bitmap node or, below the last hash level, a collision node. */
    abstract static class Node {
        /** The map token that created this node; only that token's holder may change it in place. */
        final Object owner;

        Node(Object owner) {
            this.owner = owner;
        }

        abstract Node put(HashTrie<?, ?> map, int shift, long hash, Object key, Object value);

        /** The node without {@code key}, or null if nothing is left. */
        abstract Node remove(HashTrie<?, ?> map, int shift, long hash, Object key);

        /** The single key-value pair this node holds as [key, value], or null if it holds anything else. */
        abstract Object[] soleEntry();

        @SuppressWarnings({"unchecked", "rawtypes"})
        abstract void forEach(BiConsumer action);
    }

    /**
     * An inner node: {@code bitmap} has one bit per occupied fragment value; {@code slots} holds two slots per set
     * bit in bit order, either [key, value] or [null, child node]. Slots past {@code 2 * bitCount(bitmap)} are spare
     * capacity (null), used for in-place inserts by the owner.
     */
    static final class BitmapNode extends Node {
        int bitmap;
        Object[] slots;

        BitmapNode(Object owner, int bitmap, Object[] slots) {
            super(owner);
            this.bitmap = bitmap;
            this.slots = slots;
        }

        static BitmapNode empty(Object owner) {
            return new BitmapNode(owner, 0, new Object[4]);
        }

        private BitmapNode editable(Object token) {
            if (owner == token) {
                return this;
            }
            int used = 2 * Integer.bitCount(bitmap);
            Object[] copy = new Object[Math.min(64, used + 2)];
            System.arraycopy(slots, 0, copy, 0, used);
            return new BitmapNode(token, bitmap, copy);
        }

        @Override
        Node put(HashTrie<?, ?> map, int shift, long hash, Object key, Object value) {
            int bit = 1 << fragment(hash, shift);
            int at = 2 * Integer.bitCount(bitmap & (bit - 1));
            if ((bitmap & bit) == 0) {
                return insert(map.owner, bit, at, key, value);
            }
            Object k = slots[at];
            Object v = slots[at + 1];
            if (k == null) {
                Node child = (Node) v;
                Node changed = child.put(map, shift + BITS, hash, key, value);
                return changed == child ? this : withSlot(map.owner, at + 1, changed);
            }
            if (key.equals(k)) {
                map.previous = v;
                return v == value ? this : withSlot(map.owner, at + 1, value);
            }
            Node pair = pair(map.owner, shift + BITS, map.hashOf(k), k, v, hash, key, value);
            BitmapNode e = editable(map.owner);
            e.slots[at] = null;
            e.slots[at + 1] = pair;
            return e;
        }

        private BitmapNode withSlot(Object token, int index, Object content) {
            BitmapNode e = editable(token);
            e.slots[index] = content;
            return e;
        }

        private BitmapNode insert(Object token, int bit, int at, Object key, Object value) {
            int used = 2 * Integer.bitCount(bitmap);
            if (owner == token && used + 2 <= slots.length) {
                System.arraycopy(slots, at, slots, at + 2, used - at);
                slots[at] = key;
                slots[at + 1] = value;
                bitmap |= bit;
                return this;
            }
            // Grow by doubling up to the 64 slots a full node needs, so a run of inserts copies rarely.
            Object[] grown = new Object[Math.min(64, Math.max(4, 2 * (used + 2)))];
            System.arraycopy(slots, 0, grown, 0, at);
            grown[at] = key;
            grown[at + 1] = value;
            System.arraycopy(slots, at, grown, at + 2, used - at);
            if (owner == token) {
                slots = grown;
                bitmap |= bit;
                return this;
            }
            return new BitmapNode(token, bitmap | bit, grown);
        }

        @Override
        Node remove(HashTrie<?, ?> map, int shift, long hash, Object key) {
            int bit = 1 << fragment(hash, shift);
            if ((bitmap & bit) == 0) {
                return this;
            }
            int at = 2 * Integer.bitCount(bitmap & (bit - 1));
            Object k = slots[at];
            if (k == null) {
                Node child = (Node) slots[at + 1];
                Node changed = child.remove(map, shift + BITS, hash, key);
                if (changed == child) {
                    return this;
                }
                if (changed == null) {
                    return without(map.owner, bit, at);
                }
                Object[] sole = changed.soleEntry();
                BitmapNode e = editable(map.owner);
                if (sole != null) {
                    // Pull a lone entry up, so that removals shrink the trie back (a chain of single-child nodes
                    // collapses one level per return).
                    e.slots[at] = sole[0];
                    e.slots[at + 1] = sole[1];
                } else {
                    e.slots[at + 1] = changed;
                }
                return e;
            }
            if (!key.equals(k)) {
                return this;
            }
            map.previous = slots[at + 1];
            return without(map.owner, bit, at);
        }

        private Node without(Object token, int bit, int at) {
            if (bitmap == bit) {
                return null;
            }
            BitmapNode e = editable(token);
            int used = 2 * Integer.bitCount(e.bitmap);
            System.arraycopy(e.slots, at + 2, e.slots, at, used - at - 2);
            e.slots[used - 2] = null;
            e.slots[used - 1] = null;
            e.bitmap &= ~bit;
            return e;
        }

        @Override
        Object[] soleEntry() {
            return Integer.bitCount(bitmap) == 1 && slots[0] != null ? new Object[]{slots[0], slots[1]} : null;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        void forEach(BiConsumer action) {
            int used = 2 * Integer.bitCount(bitmap);
            for (int i = 0; i < used; i += 2) {
                if (slots[i] != null) {
                    action.accept(slots[i], slots[i + 1]);
                } else {
                    ((Node) slots[i + 1]).forEach(action);
                }
            }
        }
    }

    /** A node for two or more keys that share a bitmap path of two entries (different hashes) or one whole hash. */
    static Node pair(Object token, int shift, long hash1, Object key1, Object value1, long hash2, Object key2,
                     Object value2) {
        if (shift > MAX_SHIFT) {
            // Every 64 hash bits were consumed and matched: a true hash collision.
            return new CollisionNode(token, new Object[]{key1, value1, key2, value2}, 2);
        }
        int f1 = fragment(hash1, shift);
        int f2 = fragment(hash2, shift);
        if (f1 == f2) {
            Node child = pair(token, shift + BITS, hash1, key1, value1, hash2, key2, value2);
            return new BitmapNode(token, 1 << f1, new Object[]{null, child});
        }
        Object[] slots = f1 < f2 ? new Object[]{key1, value1, key2, value2} : new Object[]{key2, value2, key1, value1};
        return new BitmapNode(token, (1 << f1) | (1 << f2), slots);
    }

    /** Keys whose 64-bit hashes are all equal, as [key, value] pairs searched linearly. */
    static final class CollisionNode extends Node {
        Object[] slots;
        int count;

        CollisionNode(Object owner, Object[] slots, int count) {
            super(owner);
            this.slots = slots;
            this.count = count;
        }

        Object find(Object key) {
            int i = indexOf(key);
            return i < 0 ? null : slots[i + 1];
        }

        private int indexOf(Object key) {
            for (int i = 0; i < 2 * count; i += 2) {
                if (key.equals(slots[i])) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        Node put(HashTrie<?, ?> map, int shift, long hash, Object key, Object value) {
            int i = indexOf(key);
            Object[] s;
            if (i >= 0) {
                map.previous = slots[i + 1];
                if (slots[i + 1] == value) {
                    return this;
                }
                s = owner == map.owner ? slots : slots.clone();
                s[i + 1] = value;
            } else {
                s = Arrays.copyOf(slots, 2 * count + 2);
                s[2 * count] = key;
                s[2 * count + 1] = value;
            }
            int n = i >= 0 ? count : count + 1;
            if (owner == map.owner) {
                slots = s;
                count = n;
                return this;
            }
            return new CollisionNode(map.owner, s, n);
        }

        @Override
        Node remove(HashTrie<?, ?> map, int shift, long hash, Object key) {
            int i = indexOf(key);
            if (i < 0) {
                return this;
            }
            map.previous = slots[i + 1];
            if (count == 1) {
                return null;
            }
            Object[] s = new Object[2 * count - 2];
            System.arraycopy(slots, 0, s, 0, i);
            System.arraycopy(slots, i + 2, s, i, 2 * count - i - 2);
            return new CollisionNode(map.owner, s, count - 1);
        }

        @Override
        Object[] soleEntry() {
            return count == 1 ? new Object[]{slots[0], slots[1]} : null;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        void forEach(BiConsumer action) {
            for (int i = 0; i < 2 * count; i += 2) {
                action.accept(slots[i], slots[i + 1]);
            }
        }
    }
}
