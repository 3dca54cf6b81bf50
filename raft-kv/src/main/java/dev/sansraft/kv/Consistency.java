package dev.sansraft.kv;

/**
 * How fresh a {@link KvStore#get(byte[], Consistency) read} must be. Immutable.
 *
 * <p>{@link #LINEARIZABLE} is the default everywhere; the others trade freshness for speed and must be asked for.
 */
public enum Consistency {
    /** ReadIndex (Raft thesis §6.4): a quorum confirms leadership before the read is served. Never stale. */
    LINEARIZABLE,
    /**
     * Served by a leader holding a lease, without a quorum round. Linearizable only while clock drift between nodes
     * stays within the configured bound; the node's lease documentation states the assumption.
     */
    LEASE,
    /**
     * Served from this node's applied state at once; may be arbitrarily stale. The result carries the applied index.
     */
    STALE
}
