package dev.sansraft.storage.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How the store opens every file and directory it touches. Production uses {@link #DEFAULT}; tests substitute a
 * wrapper that injects I/O failures (for example a failing {@code force}) to exercise fail-stop.
 *
 * <p>Implementations must be thread-safe.
 */
interface FileChannels {

    /** Plain {@link FileChannel#open}. */
    FileChannels DEFAULT = FileChannel::open;

    FileChannel open(Path path, OpenOption... options) throws IOException;

    /**
     * Makes a directory's entries durable: a created, renamed or deleted file is only durable once its directory
     * is synced (POSIX leaves the directory entry in the page cache otherwise).
     */
    default void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
