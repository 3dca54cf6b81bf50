package dev.sansraft.kv;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Every live client session, in the order the clients were last seen, with deterministic expiry.
 *
 * <p>Expiry is by log index, never by a local clock, so every node evicts the same sessions at the same entry: a
 * session not seen for more than {@code expiryEntries} log indexes is dropped when the next command is applied, and
 * when more than {@code maxSessions} exist the least recently seen is dropped. Because every touch sets
 * {@code lastSeenIndex} to the (monotonic) current index and moves the session to the tail, the map's order is
 * ascending {@code lastSeenIndex} and expiry only ever looks at its head.
 *
 * <p>Not thread-safe: owned by the state machine's apply thread.
 */
final class SessionTable {

    private final long expiryEntries;
    private final int maxSessions;
    private final LinkedHashMap<Long, ClientSession> sessions = new LinkedHashMap<>(16, 0.75f, true);

    SessionTable(long expiryEntries, int maxSessions) {
        this.expiryEntries = expiryEntries;
        this.maxSessions = maxSessions;
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
        }
    }

    /** The session of {@code clientId}, created if unknown, marked as seen at {@code index}. */
    ClientSession touch(long clientId, long lowestUnacked, long index) {
        ClientSession session = sessions.get(clientId);
        if (session == null) {
            session = new ClientSession(clientId, lowestUnacked, index);
            sessions.put(clientId, session);
            if (sessions.size() > maxSessions) {
                Iterator<ClientSession> it = sessions.values().iterator();
                it.next();
                it.remove();
            }
        }
        session.lastSeenIndex = index;
        return session;
    }

    /**
     * Adds a session read from a snapshot; callers add them in ascending {@code lastSeenIndex}.
     *
     * @return false (and no change) if the client already has a session
     */
    boolean restore(ClientSession session) {
        return sessions.putIfAbsent(session.clientId, session) == null;
    }

    int maxSessions() {
        return maxSessions;
    }

    int size() {
        return sessions.size();
    }

    /** Sessions in ascending last-seen order (the order snapshots store them in). Read-only use only. */
    Collection<ClientSession> inLastSeenOrder() {
        return sessions.values();
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
