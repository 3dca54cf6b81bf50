package dev.sansraft.storage.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive ownership of a log directory: an OS file lock on its {@code LOCK} file, held until {@link #close()}.
 * The lock file records the owner's process id so that a refused opener can say who holds it. The OS releases the
 * lock when the owning process dies, so a crash never leaves the directory locked.
 *
 * <p>Thread-safety: {@link #close()} is idempotent and synchronized.
 */
final class DirectoryLock implements AutoCloseable {

    static final String NAME = "LOCK";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock or fails at once.
     *
     * @throws StoreLockedException naming {@code dir} if another store in this or another process holds it
     */
    static DirectoryLock acquire(Path dir, FileChannels channels) throws IOException {
        FileChannel channel = channels.open(dir.resolve(NAME), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // Java refuses a second lock on one file within a JVM instead of reporting "held".
                throw new StoreLockedException(dir, "another store in this process (" + describeHolder(channel) + ")");
            }
            if (lock == null) {
                throw new StoreLockedException(dir, "another process (" + describeHolder(channel) + ")");
            }
            byte[] owner = ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(owner), 0);
            return new DirectoryLock(channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static String describeHolder(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(64);
            channel.read(buf, 0);
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? "owner unknown" : text;
        } catch (IOException e) {
            return "owner unreadable: " + e.getMessage();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel.isOpen()) {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
