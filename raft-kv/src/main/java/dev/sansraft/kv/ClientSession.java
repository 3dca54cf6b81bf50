package dev.sansraft.kv;

import java.util.Arrays;

/**
 * One client's exactly-once state: the saved response of every applied sequence the client has not yet acknowledged
 * (Raft thesis §6.3), the floor below which sequences are stale, and the log index at which the client was last seen.
 *
 * <p>Invariants: saved sequences are strictly ascending and all {@code >= floor}; at most {@code maxResponses} are
 * kept.
 *
 * <p>Copy-on-write across snapshot captures: a session belongs to the capture {@code generation} in which it was
 * created or copied. The {@link SessionTable} changes a session in place only while its generation is the table's
 * current one; a session of an older generation may be referenced by a captured snapshot, so the table replaces it
 * with a {@link #copy} before the first change.
 *
 * <p>Thread-safety: a session of the current generation is owned by the state machine's apply thread; one of an
 * older generation is never changed again and may be read by a snapshot-streaming thread.
 */
final class ClientSession {

    final ClientId clientId;
    /** The capture generation this object belongs to; see the class comment. */
    final long generation;
    long lastSeenIndex;
    private long floor;
    private long[] sequences;
    private byte[][] responses;
    private int size;

    ClientSession(ClientId clientId, long floor, long lastSeenIndex, long generation) {
        this.clientId = clientId;
        this.generation = generation;
        this.floor = floor;
        this.lastSeenIndex = lastSeenIndex;
        this.sequences = new long[2];
        this.responses = new byte[2][];
    }

    /** An equal session of {@code newGeneration}, sharing the (immutable) response arrays but no mutable state. */
    ClientSession copy(long newGeneration) {
        ClientSession c = new ClientSession(clientId, floor, lastSeenIndex, newGeneration);
        c.sequences = Arrays.copyOf(sequences, Math.max(2, size));
        c.responses = Arrays.copyOf(responses, Math.max(2, size));
        c.size = size;
        return c;
    }

    long floor() {
        return floor;
    }

    int size() {
        return size;
    }

    long sequenceAt(int i) {
        return sequences[i];
    }

    byte[] responseAt(int i) {
        return responses[i];
    }

    /** The client has every response below {@code lowestUnacked}: forget them and treat them as stale from now on. */
    void acknowledgeBelow(long lowestUnacked) {
        if (lowestUnacked <= floor) {
            return;
        }
        floor = lowestUnacked;
        int drop = 0;
        while (drop < size && sequences[drop] < floor) {
            drop++;
        }
        removeFirst(drop);
    }

    /** The saved response for {@code sequence}, or null if it has not been applied (or is below the floor). */
    byte[] savedResponse(long sequence) {
        int i = Arrays.binarySearch(sequences, 0, size, sequence);
        return i >= 0 ? responses[i] : null;
    }

    /**
     * Saves the response of a newly applied {@code sequence}, which must be {@code >= floor} and not yet saved. When
     * more than {@code maxResponses} are saved the lowest is dropped and the floor rises past it, so a late retry of
     * it is rejected as stale rather than applied twice.
     */
    void save(long sequence, byte[] response, int maxResponses) {
        if (sequence < floor) {
            throw new IllegalStateException("saving sequence " + sequence + " below floor " + floor + " (client "
                    + clientId + ")");
        }
        int i = Arrays.binarySearch(sequences, 0, size, sequence);
        if (i >= 0) {
            throw new IllegalStateException("sequence " + sequence + " already saved (client " + clientId + ")");
        }
        int at = -i - 1;
        if (size == sequences.length) {
            int capacity = Math.max(2, Math.min(size * 2, maxResponses + 1));
            sequences = Arrays.copyOf(sequences, capacity);
            responses = Arrays.copyOf(responses, capacity);
        }
        System.arraycopy(sequences, at, sequences, at + 1, size - at);
        System.arraycopy(responses, at, responses, at + 1, size - at);
        sequences[at] = sequence;
        responses[at] = response;
        size++;
        if (size > maxResponses) {
            floor = sequences[0] + 1;
            removeFirst(1);
        }
    }

    /** Restores a saved response read from a snapshot, in ascending order. */
    void restore(long sequence, byte[] response) {
        if (size > 0 && sequence <= sequences[size - 1] || sequence < floor) {
            throw new IllegalArgumentException("restored sequence " + sequence + " out of order (floor " + floor
                    + ", client " + clientId + ")");
        }
        if (size == sequences.length) {
            sequences = Arrays.copyOf(sequences, size * 2);
            responses = Arrays.copyOf(responses, size * 2);
        }
        sequences[size] = sequence;
        responses[size] = response;
        size++;
    }

    private void removeFirst(int n) {
        if (n == 0) {
            return;
        }
        System.arraycopy(sequences, n, sequences, 0, size - n);
        System.arraycopy(responses, n, responses, 0, size - n);
        Arrays.fill(responses, size - n, size, null);
        size -= n;
    }

    /** A hash of this session's whole state, for {@link KvStateMachine#digest()}. */
    long hash() {
        long h = Hash64.mix(clientId.hash64() ^ 0x5E55_10A5L);
        h = Hash64.mix(h + lastSeenIndex);
        h = Hash64.mix(h + floor);
        for (int i = 0; i < size; i++) {
            h = Hash64.mix(h + sequences[i]);
            h = Hash64.mix(h ^ Hash64.hash(responses[i], h));
        }
        return h;
    }
}
