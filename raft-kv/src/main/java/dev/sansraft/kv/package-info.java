/**
 * A replicated key-value store on top of {@code RaftNode}: {@link dev.sansraft.kv.KvStateMachine} is the
 * deterministic state machine (put, get, delete, compare-and-set over byte-string keys, with exactly-once client
 * sessions and snapshots), {@link dev.sansraft.kv.KvCommandCodec} its compact binary command and result format, and
 * {@link dev.sansraft.kv.KvStore} the asynchronous Java facade that embedders and the HTTP example call.
 *
 * <p>The public types at the top (the store, the state machine, the codec, the commands, the results and their
 * exceptions) are the API; the package-private classes beneath them (byte reader and writer, session table, snapshot
 * format and capture, the hash trie that freezes in O(1) for captures, hashing) are the implementation. May depend
 * on {@code dev.sansraft.core}, {@code dev.sansraft.node} and slf4j only.
 */
package dev.sansraft.kv;
