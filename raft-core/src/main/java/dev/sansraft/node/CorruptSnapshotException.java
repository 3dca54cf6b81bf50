package dev.sansraft.node;

import java.io.IOException;

/**
 * A stored snapshot failed validation: a bad magic number or version, a header or trailer checksum mismatch, a
 * length that does not match the file, or payload bytes whose CRC32C differs from the recorded one. A store reports
 * such a snapshot (see {@link SnapshotStore#problems()}) and never serves it; a reader that meets damage it did not
 * see on open throws this exception when it reaches the end of the payload.
 *
 * <p>Immutable and thread-safe. {@link #source()} names the damaged snapshot (a file path for file stores) and
 * {@link #offset()} locates the damage, {@code -1} when it is not at one byte (a checksum over a range, a length
 * mismatch).
 */
public final class CorruptSnapshotException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What was damaged, for example a file path. */
    private final String source;
    /** The byte offset of the damage, or {@code -1} when it is not at one place. */
    private final long offset;

    /**
     * A corrupt snapshot.
     *
     * @param source what was damaged, for example a file path
     * @param offset the byte offset of the damage, or {@code -1} when it is not at one place
     * @param reason what is wrong, for the message
     */
    public CorruptSnapshotException(String source, long offset, String reason) {
        super("corrupt snapshot " + source + (offset >= 0 ? " at offset " + offset : "") + ": " + reason);
        this.source = source;
        this.offset = offset;
    }

    /** {@return the damaged snapshot, for example its file path} */
    public String source() {
        return source;
    }

    /** {@return the byte offset of the damage inside {@link #source()}, or {@code -1} when it is not at one place} */
    public long offset() {
        return offset;
    }
}
