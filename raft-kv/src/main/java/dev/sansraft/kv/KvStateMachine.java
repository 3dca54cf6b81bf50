package dev.sansraft.kv;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.node.SnapshotSource;
import dev.sansraft.node.StateMachine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * The replicated key-value map: put, get, delete and compare-and-set over byte-string keys, with exactly-once client
 * sessions, snapshots and a state digest.
 *
 * <p><b>Determinism.</b> The state after applying a sequence of entries, and every result returned, depend only on
 * those entries (their payloads and indexes) and on the configuration, which must be identical on every node. Nothing
 * reads a clock or depends on an iteration order of a hash map. (The map's hash seed is random per instance, but it
 * only decides where a key sits in memory: snapshots sort, the digest adds.)
 *
 * <p><b>Snapshots</b> (Raft §7). The map and the sessions live in hash tries ({@code HashTrie}) that can be frozen in
 * O(1), so {@link #captureSnapshot()} takes no pause however large the state: the runtime streams the capture on
 * another thread while this one applies on, and {@link #writeSnapshot} is a capture streamed at once, so both give
 * the same bytes (format in {@code raft-kv/FORMAT.md}; costs in {@code KvSnapshotCapture}). {@link #restoreSnapshot}
 * reads either.
 *
 * <p><b>Bad commands.</b> A payload that does not decode, or exceeds the {@link KvLimits}, is not applied:
 * {@link #apply} returns a {@link KvError#MALFORMED_COMMAND} failure result instead of throwing, identically on
 * every node, so a corrupt or hostile entry in the log cannot stop the cluster.
 *
 * <p><b>Sessions</b> (Raft thesis §6.3). A command carrying a {@link SessionTag} {@code (client, sequence,
 * lowestUnacked)} is applied at most once. First every saved response below {@code lowestUnacked} is discarded (the
 * client has it). Then: a sequence below the session's floor fails with {@link KvError#STALE_SEQUENCE} and is not
 * applied; a sequence already applied returns its saved response (with the original log index) without being applied
 * again; any other sequence is applied and its response saved. For a client with one write outstanding
 * ({@code lowestUnacked == sequence}, see {@link ClientRequest}) this means: same sequence as the last one → saved
 * response, lower → stale, higher → applied. An unknown client id starts a new session. A session not seen for more
 * than {@code sessionExpiryEntries} log indexes is evicted, as is the least recently seen one when there are more than
 * {@code maxSessions}; both are decided by log index only. A client whose session was evicted and that then retries an
 * old write could have it applied again, so the expiry window must be much longer than any client's retry period
 * (the default, {@value #DEFAULT_SESSION_EXPIRY_ENTRIES} entries, is over a minute even at the ~130,000 writes/s
 * of an in-memory cluster; memory stays bounded by {@code maxSessions} whatever the window).
 *
 * <p><b>Applied index.</b> The runtime calls {@link #apply} only for {@link EntryKind#NORMAL} entries, so
 * {@link #lastAppliedIndex()} is the index of the last command applied; reads report it.
 *
 * <p>Thread-safety: not thread-safe. {@link #apply}, {@link #query}, the snapshot methods and {@link #digest()} must
 * all be called from one thread at a time (the runtime's apply thread), as the {@link StateMachine} contract arranges.
 */
public final class KvStateMachine implements StateMachine {

    /** Sessions not seen for this many log indexes are evicted, by default. */
    public static final long DEFAULT_SESSION_EXPIRY_ENTRIES = 10_000_000;
    /** Most live sessions by default. */
    public static final int DEFAULT_MAX_SESSIONS = 100_000;
    /** Most unacknowledged responses kept per session by default. */
    public static final int DEFAULT_MAX_RESPONSES_PER_SESSION = 1024;

    private static final byte[] EMPTY = new byte[0];

    private final KvCommandCodec codec;
    private final long sessionExpiryEntries;
    private final int maxSessions;
    private final int maxResponsesPerSession;

    /**
     * Seeds the key hash of the map's trie. It decides only where a key sits in memory, never a result, an iteration
     * order that anyone sees or a snapshot byte, so it may differ between nodes; it is random so that nobody can
     * craft keys that all collide.
     */
    private final long hashSeed = ThreadLocalRandom.current().nextLong();
    private HashTrie<Bytes, Bytes> map = newMap();
    private SessionTable sessions;
    private long lastAppliedIndex;

    private KvStateMachine(Builder b) {
        this.codec = new KvCommandCodec(b.limits);
        this.sessionExpiryEntries = b.sessionExpiryEntries;
        this.maxSessions = b.maxSessions;
        this.maxResponsesPerSession = b.maxResponsesPerSession;
        this.sessions = newSessionTable();
    }

    /** {@return a state machine with the default limits and session settings} */
    public static KvStateMachine create() {
        return builder().build();
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    private HashTrie<Bytes, Bytes> newMap() {
        long seed = hashSeed; // not this: a frozen trie must not keep the state machine alive
        return new HashTrie<>(key -> Hash64.hash(key.array(), seed));
    }

    private SessionTable newSessionTable() {
        return new SessionTable(sessionExpiryEntries, maxSessions);
    }

    @Override
    public byte[] apply(LogEntry entry) {
        long index = entry.index();
        if (index <= lastAppliedIndex) {
            throw new IllegalStateException("apply went backwards: entry index " + index + " <= last applied "
                    + lastAppliedIndex);
        }
        lastAppliedIndex = index;
        sessions.expire(index);
        if (entry.kind() != EntryKind.NORMAL) {
            return EMPTY; // the runtime never sends these; nothing of ours to apply
        }
        KvCommand command;
        try {
            command = codec.decode(entry.payload());
        } catch (KvCodecException e) {
            return codec.encodeResult(new KvResult.Failure(KvError.MALFORMED_COMMAND,
                    "malformed command: " + e.getMessage(), index));
        }
        SessionTag tag = command.session();
        if (tag == null) {
            return codec.encodeResult(execute(command, index));
        }
        ClientSession session = sessions.touch(tag.clientId(), tag.lowestUnacked(), index);
        session.acknowledgeBelow(tag.lowestUnacked());
        if (tag.sequence() < session.floor()) {
            return codec.encodeResult(new KvResult.Failure(KvError.STALE_SEQUENCE, "sequence " + tag.sequence()
                    + " of client " + tag.clientId()
                    + " is stale: responses below " + session.floor() + " were already acknowledged or evicted",
                    index));
        }
        byte[] saved = session.savedResponse(tag.sequence());
        if (saved != null) {
            return saved;
        }
        byte[] response = codec.encodeResult(execute(command, index));
        session.save(tag.sequence(), response, maxResponsesPerSession);
        return response;
    }

    private KvResult execute(KvCommand command, long index) {
        Bytes key = command.key();
        if (command instanceof KvCommand.Put) {
            map.put(key, ((KvCommand.Put) command).value());
            return new PutResult(index);
        }
        if (command instanceof KvCommand.Delete) {
            return new DeleteResult(map.remove(key) != null, index);
        }
        if (command instanceof KvCommand.CompareAndSet) {
            KvCommand.CompareAndSet cas = (KvCommand.CompareAndSet) command;
            Bytes current = map.get(key);
            if (current == null) {
                return new CasResult(CasResult.Outcome.ABSENT, index, null);
            }
            if (!current.equals(cas.expected())) {
                // The result is encoded at once and never escapes, so it may share the stored array.
                return new CasResult(CasResult.Outcome.MISMATCH, index, current.array());
            }
            map.put(key, cas.newValue());
            return new CasResult(CasResult.Outcome.SWAPPED, index, null);
        }
        return read(key, index);
    }

    private GetResult read(Bytes key, long index) {
        Bytes value = map.get(key);
        // Shares the stored array only until encodeResult copies it out.
        return new GetResult(value == null ? null : value.array(), index);
    }

    /**
     * Answers a {@link KvCommand.Get} encoded by {@link KvCommandCodec}, from the current state. The result's index is
     * {@link #lastAppliedIndex()}. Bytes that are not a get return a {@link KvError#MALFORMED_QUERY} failure.
     */
    @Override
    public byte[] query(byte[] request) {
        KvCommand command;
        try {
            command = codec.decode(request);
        } catch (KvCodecException e) {
            return codec.encodeResult(new KvResult.Failure(KvError.MALFORMED_QUERY, "malformed query: "
                    + e.getMessage(), lastAppliedIndex));
        }
        if (!(command instanceof KvCommand.Get)) {
            return codec.encodeResult(new KvResult.Failure(KvError.MALFORMED_QUERY,
                    "a query must be a get, got " + command.getClass().getSimpleName(), lastAppliedIndex));
        }
        return codec.encodeResult(read(command.key(), lastAppliedIndex));
    }

    /**
     * The value of {@code key}, or null; a direct read for tests and embedders on the apply thread.
     *
     * @param key the key to look up; not null
     * @return the value, or null if {@code key} is absent
     */
    public Bytes get(Bytes key) {
        return map.get(key);
    }

    /** {@return the index of the last entry applied (or restored from a snapshot); 0 before any} */
    public long lastAppliedIndex() {
        return lastAppliedIndex;
    }

    /** {@return the number of keys} */
    public int size() {
        return map.size();
    }

    /** {@return the number of live client sessions} */
    public int sessionCount() {
        return sessions.size();
    }

    /** {@return the codec this state machine decodes with; clients must use the same limits} */
    public KvCommandCodec codec() {
        return codec;
    }

    /**
     * A 64-bit digest of the whole replicated state: every key and value, every session with its saved responses,
     * and the applied index. Two state machines that applied the same entries have equal digests; a difference
     * means divergence. It does not depend on iteration order (strong per-entry hashes are combined by addition, so
     * no sorting is needed), costs O(size) and allocates O(1). Not cryptographic.
     *
     * @return the digest of the state
     */
    public long digest() {
        EntrySum entries = new EntrySum();
        map.forEach(entries);
        long h = Hash64.mix(entries.sum + map.size());
        h = Hash64.mix(h ^ sessions.hash());
        return Hash64.mix(h + lastAppliedIndex);
    }

    /** Sums the per-entry hashes of {@link #digest()}. */
    private static final class EntrySum implements BiConsumer<Bytes, Bytes> {
        long sum;

        @Override
        public void accept(Bytes key, Bytes value) {
            long k = Hash64.hash(key.array(), 0x4B45_59L);
            sum += Hash64.mix(k ^ Hash64.hash(value.array(), k));
        }
    }

    /**
     * Writes the whole state (map, sessions, applied index) to {@code out} in the checksummed format described in
     * {@code raft-kv/FORMAT.md}: deterministic (keys in unsigned byte order, sessions in last-seen order), streamed
     * without building a copy of the data. Flushes but does not close {@code out}. The same code as a
     * {@link #captureSnapshot() capture} streamed at once, so both give the same bytes for the same state.
     */
    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        capture().writeTo(out);
    }

    /**
     * Captures the state as of the last applied entry in O(1), for another thread to stream while this one keeps
     * applying; see {@code KvSnapshotCapture} for how, and for its memory cost. The stream is byte for byte what
     * {@link #writeSnapshot} would have written at this point. Never empty.
     */
    @Override
    public Optional<SnapshotSource> captureSnapshot() {
        return Optional.of(capture());
    }

    /** The O(1) capture behind {@link #captureSnapshot()}, typed for tests and benchmarks in this package. */
    KvSnapshotCapture capture() {
        return new KvSnapshotCapture(lastAppliedIndex, map.freeze(), sessions.freeze());
    }

    /**
     * Replaces the whole state with a snapshot written by {@link #writeSnapshot} or a {@link #captureSnapshot()
     * capture}; the same as {@link #readSnapshot}.
     *
     * @throws KvSnapshotException if the snapshot is truncated, corrupt or over this state machine's limits
     */
    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        readSnapshot(in);
    }

    /**
     * Replaces the whole state with a snapshot written by {@link #writeSnapshot}. Reads exactly the snapshot's bytes
     * (so it may be embedded in a longer stream; pass a buffered stream for speed) and does not close {@code in}.
     * The state changes only if the whole snapshot is read and its checksum matches. Captures taken before stay
     * valid: they hold the state they captured.
     *
     * @param in the stream positioned at the snapshot's first byte; left open
     * @throws KvSnapshotException if the snapshot is truncated, corrupt or over this state machine's limits
     */
    public void readSnapshot(InputStream in) throws IOException {
        SessionTable restoredSessions = newSessionTable();
        HashTrie<Bytes, Bytes> restoredMap = newMap();
        long restoredIndex = KvSnapshotFormat.read(in, codec.limits(), maxResponsesPerSession, restoredMap,
                restoredSessions);
        map = restoredMap;
        sessions = restoredSessions;
        lastAppliedIndex = restoredIndex;
    }

    /**
     * Configures a {@link KvStateMachine}. Every node of a cluster must be built with the same settings. Not
     * thread-safe.
     */
    public static final class Builder {
        private KvLimits limits = KvLimits.DEFAULT;
        private long sessionExpiryEntries = DEFAULT_SESSION_EXPIRY_ENTRIES;
        private int maxSessions = DEFAULT_MAX_SESSIONS;
        private int maxResponsesPerSession = DEFAULT_MAX_RESPONSES_PER_SESSION;

        private Builder() {
        }

        /**
         * Key and value size limits (default {@link KvLimits#DEFAULT}).
         *
         * @param limits the limits; not null
         * @return this builder
         */
        public Builder limits(KvLimits limits) {
            if (limits == null) {
                throw new IllegalArgumentException("limits is null");
            }
            this.limits = limits;
            return this;
        }

        /**
         * A session not seen for more than this many log indexes is evicted (default 10,000,000).
         *
         * @param entries the expiry in log indexes, at least 1
         * @return this builder
         */
        public Builder sessionExpiryEntries(long entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("sessionExpiryEntries must be >= 1, got " + entries);
            }
            this.sessionExpiryEntries = entries;
            return this;
        }

        /**
         * At most this many sessions are kept; the least recently seen is evicted first (default 100,000).
         *
         * @param maxSessions the bound on live sessions, at least 1
         * @return this builder
         */
        public Builder maxSessions(int maxSessions) {
            if (maxSessions < 1) {
                throw new IllegalArgumentException("maxSessions must be >= 1, got " + maxSessions);
            }
            this.maxSessions = maxSessions;
            return this;
        }

        /**
         * At most this many unacknowledged responses are kept per session, which bounds how many writes one client
         * may pipeline (default 1024).
         *
         * @param max the bound on saved responses per session
         * @return this builder
         */
        public Builder maxResponsesPerSession(int max) {
            if (max < 1 || max > KvSnapshotFormat.MAX_RESPONSES_PER_SESSION) {
                throw new IllegalArgumentException("maxResponsesPerSession must be in 1.."
                        + KvSnapshotFormat.MAX_RESPONSES_PER_SESSION + ", got " + max);
            }
            this.maxResponsesPerSession = max;
            return this;
        }

        /**
         * Builds the state machine, empty.
         *
         * @return the state machine
         */
        public KvStateMachine build() {
            return new KvStateMachine(this);
        }
    }
}
