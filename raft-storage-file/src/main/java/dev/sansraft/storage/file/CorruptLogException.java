package dev.sansraft.storage.file;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Bytes on disk that fail validation where a crash cannot explain them: a checksum mismatch in a sealed segment, a
 * bad record followed by valid ones, a missing segment. The store never repairs such damage by dropping data, because
 * the damaged bytes may hold committed entries; an operator has to restore the node from a replica.
 *
 * <p>Immutable and thread-safe. {@link #file()} and {@link #offset()} locate the damage ({@code -1} when the damage
 * is not at one byte, such as a missing file).
 */
public final class CorruptLogException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** The byte offset of the damage, or {@code -1} when it is not at one place. */
    private final long offset;

    CorruptLogException(Path file, long offset, String reason) {
        super("corrupt log file " + file + (offset >= 0 ? " at offset " + offset : "") + ": " + reason);
        this.file = file;
        this.offset = offset;
    }

    /** {@return the damaged file} */
    public Path file() {
        return file;
    }

    /** {@return the byte offset of the damage inside {@link #file()}, or {@code -1} when it is not at one place} */
    public long offset() {
        return offset;
    }
}
