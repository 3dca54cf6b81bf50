package dev.sansraft.node;

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

    /** The metadata of the snapshot being read. */
    public abstract SnapshotMeta meta();
}
