package dev.sansraft.node;

import java.io.IOException;
import java.io.InputStream;

/**
 * A stream over one committed snapshot's payload, returned by {@link SnapshotStore#openNewest()}. The payload is
 * read incrementally; a reader never holds the whole snapshot in memory.
 *
 * <p>The payload's checksum is verified again as it is read: when the end is reached, a read throws
 * {@link CorruptSnapshotException} instead of reporting end-of-stream if the bytes differ from {@link #meta()}'s
 * checksum, so a consumer that reads to the end never silently accepts damaged bytes.
 *
 * <p>Not thread-safe: owned by one thread. Close it to release the file.
 */
public abstract class SnapshotReader extends InputStream {

    /** For implementations. */
    protected SnapshotReader() {
    }

    /** {@return the metadata of the snapshot being read} */
    public abstract SnapshotMeta meta();

    /**
     * Reads up to {@code len} payload bytes starting at payload offset {@code offset} into {@code dst}, without moving
     * the stream's position and without checksum verification: this is for streaming a snapshot in chunks to a peer,
     * which verifies the whole payload's checksum itself.
     *
     * @param offset the payload offset to read from
     * @param dst the array to read into
     * @param off where in {@code dst} to start
     * @param len the most bytes to read
     * @return the number of bytes read, or -1 when {@code offset} is at or past the end of the payload
     * @throws IOException               if reading fails
     * @throws IndexOutOfBoundsException if {@code offset} is negative or {@code [off, off + len)} is not within
     *                                   {@code dst}
     */
    public abstract int readAt(long offset, byte[] dst, int off, int len) throws IOException;
}
