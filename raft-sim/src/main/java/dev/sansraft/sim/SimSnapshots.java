package dev.sansraft.sim;

import dev.sansraft.core.SnapshotInfo;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One node's simulated snapshot store: the durable snapshots, which survive crashes, and the snapshot being received
 * from a leader, which does not (a crash abandons it, as a real store abandons an uncommitted writer).
 *
 * <p>Like a real {@code SnapshotStore}, snapshots only move forward ({@link #commit} refuses an index at or below the
 * newest one) and the newest {@value #RETAIN} are kept. A snapshot being taken is not here at all until its simulated
 * write completes: the engine holds its bytes in the scheduled commit, which a crash cancels.
 *
 * <p>Not thread-safe: owned by one simulation run.
 */
final class SimSnapshots {

    /** How many committed snapshots a node keeps, as the real stores do by default. */
    static final int RETAIN = 2;

    /** A durable snapshot and its payload (never modified once stored). */
    record Stored(SnapshotInfo info, byte[] payload) {
    }

    /** Newest first. */
    private final List<Stored> durable = new ArrayList<>();
    private SnapshotInfo receivingInfo;
    private ByteArrayOutputStream receiving;

    /** The newest durable snapshot, or null. */
    Stored newest() {
        return durable.isEmpty() ? null : durable.get(0);
    }

    /** The newest durable snapshot's index, 0 without one. */
    long newestIndex() {
        return durable.isEmpty() ? 0 : durable.get(0).info().index();
    }

    /** The durable snapshot at {@code index}, or null when it is gone (or never existed). */
    Stored find(long index) {
        for (Stored s : durable) {
            if (s.info().index() == index) {
                return s;
            }
        }
        return null;
    }

    /**
     * Makes a snapshot durable.
     *
     * @return false, storing nothing, when a snapshot at or above its index is already durable (the store refuses a
     *         snapshot that would not move forward)
     */
    boolean commit(SnapshotInfo info, byte[] payload) {
        if (info.index() <= newestIndex()) {
            return false;
        }
        durable.add(0, new Stored(info, payload));
        while (durable.size() > RETAIN) {
            durable.remove(durable.size() - 1);
        }
        return true;
    }

    /** Starts receiving {@code info} from offset 0, abandoning any unfinished snapshot. */
    void beginReceiving(SnapshotInfo info) {
        receivingInfo = info;
        receiving = new ByteArrayOutputStream();
    }

    /** The snapshot being received, or null. */
    SnapshotInfo receivingInfo() {
        return receivingInfo;
    }

    /** How many bytes of the snapshot being received are held. */
    long receivedBytes() {
        return receiving == null ? 0 : receiving.size();
    }

    /** Appends a chunk to the snapshot being received. */
    void appendReceived(byte[] data) {
        receiving.write(data, 0, data.length);
    }

    /** The received payload so far; ends the reception. */
    byte[] finishReceiving() {
        byte[] bytes = receiving.toByteArray();
        receiving = null;
        receivingInfo = null;
        return bytes;
    }

    /** The node crashed: the snapshot being received is lost. */
    void crash() {
        receiving = null;
        receivingInfo = null;
    }

    /** Test-only: replaces a stored payload (to show that a corrupt snapshot is caught). */
    void corrupt(long index, byte[] payload) {
        for (int i = 0; i < durable.size(); i++) {
            if (durable.get(i).info().index() == index) {
                durable.set(i, new Stored(durable.get(i).info(), payload));
            }
        }
    }

    /** CRC32C of {@code bytes}, as {@link SnapshotInfo#checksum()} records it. */
    static long checksum(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return crc.getValue();
    }
}
