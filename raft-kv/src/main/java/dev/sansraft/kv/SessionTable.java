package dev.sansraft.kv;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.ToLongFunction;

/**
 * Every live client session, in the order the clients were last seen, with deterministic expiry, and an O(1)
 * capture of all of them for snapshots.
 *
 * <p>Expiry is by log index, never by a local clock, so every node evicts the same sessions at the same entry: a
 * session not seen for more than {@code expiryEntries} log indexes is dropped when the next command is applied, and
 * when more than {@code maxSessions} exist the least recently seen is dropped. Because every touch sets
 * {@code lastSeenIndex} to the (strictly increasing) current index and moves the session to the tail, the order is
 * strictly ascending {@code lastSeenIndex} and expiry only ever looks at the head.
 *
 * <p>Capture: besides the ordered map the table keeps every session in a {@link HashTrie} by client id, which
 * {@link #freeze()} freezes in O(1). A session object captured that way must not change afterwards, so sessions are
 * copy-on-write by generation (see {@link ClientSession}): {@link #freeze()} starts a new generation, and
 * {@link #touch}, the only way to reach a session for changing it, returns a copy of an older-generation session. The
 * trie is updated only when a session object is added, replaced or dropped, not on every touch.
 *
 * <p>Not thread-safe: owned by the state machine's apply thread. Frozen views may be read by any thread.
 */
final class SessionTable {

    private final long expiryEntries;
    private final int maxSessions;
    private final LinkedHashMap<ClientId, ClientSession> sessions = new LinkedHashMap<>(16, 0.75f, true);
    /** Keyed by the whole id; the hash only places it (see {@link ClientId} on collisions). */
    private final HashTrie<ClientId, ClientSession> versions;
    private long generation;

    SessionTable(long expiryEntries, int maxSessions) {
        this(expiryEntries, maxSessions, ClientId::hash64);
    }

    /** With another id hash: tests force collisions with it. */
    SessionTable(long expiryEntries, int maxSessions, ToLongFunction<ClientId> idHash) {
        this.expiryEntries = expiryEntries;
        this.maxSessions = maxSessions;
        this.versions = new HashTrie<>(idHash);
    }

    /** Drops every session last seen more than {@code expiryEntries} before {@code index}. */
    void expire(long index) {
        if (sessions.isEmpty()) {
            return; // the common case without sessions: no iterator allocated per applied entry
        }
        Iterator<ClientSession> it = sessions.values().iterator();
        while (it.hasNext()) {
            ClientSession oldest = it.next();
            if (index - oldest.lastSeenIndex <= expiryEntries) {
                return;
            }
            it.remove();
            versions.remove(oldest.clientId);
        }
    }

    /**
     * The session of {@code clientId}, created if unknown, marked as seen at {@code index}. The returned session
     * belongs to the current generation, so the caller may change it until the next {@link #freeze()}.
     */
    ClientSession touch(ClientId clientId, long lowestUnacked, long index) {
        ClientSession session = sessions.get(clientId);
        if (session == null) {
            session = new ClientSession(clientId, lowestUnacked, index, generation);
            sessions.put(clientId, session);
            versions.put(clientId, session);
            if (sessions.size() > maxSessions) {
                Iterator<ClientSession> it = sessions.values().iterator();
                ClientSession evicted = it.next();
                it.remove();
                versions.remove(evicted.clientId);
            }
        } else if (session.generation != generation) {
            session = session.copy(generation);
            sessions.put(clientId, session);
            versions.put(clientId, session);
        }
        session.lastSeenIndex = index;
        return session;
    }

    /**
     * Adds a session read from a snapshot; callers add them in strictly ascending {@code lastSeenIndex}.
     *
     * @return false (and no change) if the client already has a session
     */
    boolean restore(ClientSession session) {
        if (session.generation != generation) {
            throw new IllegalArgumentException("restored session of client " + session.clientId + " has generation "
                    + session.generation + ", table is at " + generation);
        }
        if (sessions.putIfAbsent(session.clientId, session) != null) {
            return false;
        }
        versions.put(session.clientId, session);
        return true;
    }

    /** The generation new sessions belong to. */
    long generation() {
        return generation;
    }

    /** Every session as of now, in O(1); later changes copy sessions instead of changing the captured ones. */
    FrozenTrie<ClientId, ClientSession> freeze() {
        generation++;
        return versions.freeze();
    }

    int maxSessions() {
        return maxSessions;
    }

    int size() {
        return sessions.size();
    }

    /** A hash of all sessions, independent of iteration order. */
    long hash() {
        long sum = 0;
        for (ClientSession s : sessions.values()) {
            sum += s.hash();
        }
        return Hash64.mix(sum + sessions.size());
    }
}
