package dev.sansraft.kv;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Reads and writes the {@link KvStateMachine} snapshot format (see {@code raft-kv/FORMAT.md}). All integers are
 * big-endian and fixed-width so that a reader can stream without look-ahead:
 * <pre>
 *   magic "SRKV" (4) · version (1) = 2 · lastAppliedIndex (8) · entry count (8)
 *   entries, keys strictly ascending in unsigned byte order: key length (4) · key · value length (4) · value
 *   session count (4)
 *   sessions, lastSeenIndex strictly ascending: clientId · lastSeenIndex (8) · floor (8) · response count (4) ·
 *       responses, sequence strictly ascending and >= floor: sequence (8) · length (4) · encoded result
 *   end marker "END!" (4) · CRC32C (4) of every byte before it
 * </pre>
 * The client id is its length (1 byte, 1..128) and its ASCII text (see {@link ClientId}). Version 1, read but no
 * longer written, differs only there: its client ids were 8-byte numbers, read as their unsigned decimal text.
 * Stateless and thread-safe.
 */
final class KvSnapshotFormat {

    static final int MAGIC = 0x5352_4B56; // "SRKV"
    static final int END_MARKER = 0x454E_4421; // "END!"
    static final int VERSION = 2;
    /** The version with 8-byte numeric client ids; still read. */
    static final int VERSION_NUMERIC_CLIENT_IDS = 1;
    static final int MAX_RESPONSES_PER_SESSION = 1 << 16;
    /** An encoded result is a value plus a few header bytes. */
    private static final int RESULT_OVERHEAD_BYTES = 64;
    /** Ranges up to this long are insertion-sorted; merging them costs more than it saves. */
    private static final int INSERTION_SORT_MAX = 16;

    private KvSnapshotFormat() {
    }

    /**
     * Writes a snapshot of a frozen state. Sorts the keys (unsigned byte order) and the sessions (last-seen order)
     * on the calling thread, which therefore holds one reference per key and per session for the length of the
     * write on top of the frozen state itself.
     */
    static void write(OutputStream out, long lastAppliedIndex, FrozenTrie<Bytes, Bytes> map,
                      FrozenTrie<ClientId, ClientSession> sessions) throws IOException {
        // Buffer above the checksum so that the CRC and the caller's stream see 64 KiB chunks, not single bytes.
        CRC32C crc = new CRC32C();
        OutputStream unclosable = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len); // FilterOutputStream would write byte by byte
            }

            @Override
            public void close() {
                // the caller owns out
            }
        };
        DataOutputStream d = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(unclosable, crc),
                1 << 16));
        d.writeInt(MAGIC);
        d.writeByte(VERSION);
        d.writeLong(lastAppliedIndex);
        d.writeLong(map.size());
        int n = map.size();
        byte[][] keys = new byte[n][];
        byte[][] values = new byte[n][];
        int[] filled = new int[1];
        map.forEach((key, value) -> {
            keys[filled[0]] = key.array();
            values[filled[0]++] = value.array();
        });
        if (filled[0] != n) {
            throw new IllegalStateException("frozen map of size " + n + " holds " + filled[0] + " entries");
        }
        sortByKey(keys, values, n);
        for (int i = 0; i < n; i++) {
            writeBytes(d, keys[i]);
            writeBytes(d, values[i]);
        }
        List<ClientSession> ordered = new ArrayList<>(sessions.size());
        sessions.forEach((id, session) -> ordered.add(session));
        // lastSeenIndex is unique (one session is touched per applied index; restore demands strictly ascending).
        ordered.sort(Comparator.comparingLong(s -> s.lastSeenIndex));
        d.writeInt(ordered.size());
        for (ClientSession s : ordered) {
            byte[] id = s.clientId.bytes();
            d.writeByte(id.length);
            d.write(id);
            d.writeLong(s.lastSeenIndex);
            d.writeLong(s.floor());
            d.writeInt(s.size());
            for (int i = 0; i < s.size(); i++) {
                d.writeLong(s.sequenceAt(i));
                writeBytes(d, s.responseAt(i));
            }
        }
        d.writeInt(END_MARKER);
        d.flush();
        int checksum = (int) crc.getValue();
        out.write(new byte[]{(byte) (checksum >>> 24), (byte) (checksum >>> 16), (byte) (checksum >>> 8),
                (byte) checksum});
        out.flush();
    }

    /**
     * Sorts the first {@code n} keys (all distinct) in unsigned byte order and moves each value with its key: a merge
     * sort over the two parallel arrays, comparing the key arrays directly (no per-entry objects, one indirection
     * less per comparison than sorting {@link Bytes}).
     */
    static void sortByKey(byte[][] keys, byte[][] values, int n) {
        byte[][] auxKeys = Arrays.copyOf(keys, n);
        byte[][] auxValues = Arrays.copyOf(values, n);
        mergeSort(auxKeys, auxValues, keys, values, 0, n);
    }

    /**
     * Sorts {@code [lo, hi)} into {@code dst*}, using {@code src*} (which holds the same entries in that range) as
     * scratch: each half is sorted into {@code src*} with the roles swapped, then the halves merge into {@code dst*}.
     */
    private static void mergeSort(byte[][] srcKeys, byte[][] srcValues, byte[][] dstKeys, byte[][] dstValues, int lo,
                                  int hi) {
        if (hi - lo <= INSERTION_SORT_MAX) {
            for (int i = lo + 1; i < hi; i++) {
                byte[] key = dstKeys[i];
                byte[] value = dstValues[i];
                int j = i - 1;
                for (; j >= lo && Arrays.compareUnsigned(dstKeys[j], key) > 0; j--) {
                    dstKeys[j + 1] = dstKeys[j];
                    dstValues[j + 1] = dstValues[j];
                }
                dstKeys[j + 1] = key;
                dstValues[j + 1] = value;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        mergeSort(dstKeys, dstValues, srcKeys, srcValues, lo, mid);
        mergeSort(dstKeys, dstValues, srcKeys, srcValues, mid, hi);
        if (Arrays.compareUnsigned(srcKeys[mid - 1], srcKeys[mid]) < 0) {
            // Already in order (for example keys inserted in order): copy instead of merging.
            System.arraycopy(srcKeys, lo, dstKeys, lo, hi - lo);
            System.arraycopy(srcValues, lo, dstValues, lo, hi - lo);
            return;
        }
        for (int i = lo, p = lo, q = mid; i < hi; i++) {
            if (q >= hi || p < mid && Arrays.compareUnsigned(srcKeys[p], srcKeys[q]) < 0) {
                dstKeys[i] = srcKeys[p];
                dstValues[i] = srcValues[p++];
            } else {
                dstKeys[i] = srcKeys[q];
                dstValues[i] = srcValues[q++];
            }
        }
    }

    private static void writeBytes(DataOutputStream d, byte[] bytes) throws IOException {
        d.writeInt(bytes.length);
        d.write(bytes);
    }

    /** Fills {@code map} and {@code sessions} and returns the snapshot's last applied index. */
    static long read(InputStream in, KvLimits limits, int maxResponsesPerSession, HashTrie<Bytes, Bytes> map,
                     SessionTable sessions) throws IOException {
        CountingInputStream counted = new CountingInputStream(in);
        CRC32C crc = new CRC32C();
        DataInputStream d = new DataInputStream(new CheckedInputStream(counted, crc));
        try {
            check(d.readInt() == MAGIC, "bad magic, not a kv snapshot", counted);
            int version = d.readUnsignedByte();
            check(version == VERSION || version == VERSION_NUMERIC_CLIENT_IDS, "unsupported snapshot version "
                    + version, counted);
            long lastAppliedIndex = d.readLong();
            check(lastAppliedIndex >= 0, "negative applied index " + lastAppliedIndex, counted);
            long entries = d.readLong();
            check(entries >= 0, "negative entry count " + entries, counted);
            Bytes previous = null;
            for (long i = 0; i < entries; i++) {
                Bytes key = Bytes.wrap(readBytes(d, limits.maxKeyBytes(), "key", counted));
                check(previous == null || previous.compareTo(key) < 0, "keys not strictly ascending at entry " + i,
                        counted);
                map.put(key, Bytes.wrap(readBytes(d, limits.maxValueBytes(), "value", counted)));
                previous = key;
            }
            int sessionCount = d.readInt();
            check(sessionCount >= 0 && sessionCount <= sessions.maxSessions(), "session count " + sessionCount
                    + " outside 0.." + sessions.maxSessions(), counted);
            long previousSeen = 0;
            for (int i = 0; i < sessionCount; i++) {
                ClientId clientId = version == VERSION_NUMERIC_CLIENT_IDS ? ClientId.of(d.readLong())
                        : readClientId(d, counted);
                long lastSeen = d.readLong();
                long floor = d.readLong();
                int responses = d.readInt();
                check(lastSeen > previousSeen && lastSeen <= lastAppliedIndex, "session last-seen index "
                        + lastSeen + " out of order (previous " + previousSeen + ", applied " + lastAppliedIndex
                        + ")", counted);
                check(floor >= 1, "session floor " + floor + " below 1", counted);
                check(responses >= 0 && responses <= maxResponsesPerSession, "session response count " + responses
                        + " outside 0.." + maxResponsesPerSession, counted);
                ClientSession session = new ClientSession(clientId, floor, lastSeen, sessions.generation());
                for (int r = 0; r < responses; r++) {
                    long sequence = d.readLong();
                    byte[] response = readBytes(d, limits.maxValueBytes() + RESULT_OVERHEAD_BYTES, "response",
                            counted);
                    check(sequence >= floor && (session.size() == 0
                                    || sequence > session.sequenceAt(session.size() - 1)),
                            "session response sequence " + sequence + " out of order", counted);
                    session.restore(sequence, response);
                }
                check(sessions.restore(session), "duplicate session for client " + clientId, counted);
                previousSeen = lastSeen;
            }
            check(d.readInt() == END_MARKER, "missing end marker", counted);
            int expected = (int) crc.getValue();
            int actual = new DataInputStream(counted).readInt();
            check(expected == actual, "checksum mismatch: computed " + Integer.toHexString(expected) + ", stored "
                    + Integer.toHexString(actual), counted);
            return lastAppliedIndex;
        } catch (EOFException e) {
            throw new KvSnapshotException("truncated", counted.count, e);
        }
    }

    private static ClientId readClientId(DataInputStream d, CountingInputStream counted) throws IOException {
        int length = d.readUnsignedByte();
        check(length >= 1 && length <= ClientId.MAX_LENGTH, "client id length " + length + " outside 1.."
                + ClientId.MAX_LENGTH, counted);
        byte[] bytes = new byte[length];
        d.readFully(bytes);
        ClientId id = ClientId.fromBytes(bytes);
        check(id != null, "client id is not 1 to " + ClientId.MAX_LENGTH + " visible ASCII characters", counted);
        return id;
    }

    private static byte[] readBytes(DataInputStream d, int max, String what, CountingInputStream counted)
            throws IOException {
        int length = d.readInt();
        check(length >= 0 && length <= max, what + " length " + length + " outside 0.." + max, counted);
        byte[] bytes = new byte[length];
        d.readFully(bytes);
        return bytes;
    }

    private static void check(boolean condition, String message, CountingInputStream counted)
            throws KvSnapshotException {
        if (!condition) {
            throw new KvSnapshotException(message, counted.count, null);
        }
    }

    /** Counts consumed bytes for error offsets; never reads ahead, so the caller's stream stays positioned. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = in.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
