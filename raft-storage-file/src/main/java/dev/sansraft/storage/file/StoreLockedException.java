package dev.sansraft.storage.file;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Thrown by {@link FileLogStore#open} when another store, in this process or another one, already owns the
 * directory. Two writers on one log would interleave records and break every durability promise, so the second
 * open fails at once instead of waiting.
 *
 * <p>Immutable and thread-safe.
 */
public final class StoreLockedException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    StoreLockedException(Path directory, String holder) {
        super("log directory " + directory + " is locked by " + holder);
        this.directory = directory;
    }

    /** {@return the directory that is already in use} */
    public Path directory() {
        return directory;
    }
}
