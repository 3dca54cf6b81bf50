package dev.sansraft.storage.file;

import dev.sansraft.core.Membership;

import dev.sansraft.node.CorruptSnapshotException;
import dev.sansraft.node.SnapshotMeta;
import dev.sansraft.node.SnapshotReader;
import dev.sansraft.node.SnapshotStore;
import dev.sansraft.node.SnapshotWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A crash-safe {@link SnapshotStore} in one directory of its own (not the log's: each store locks its directory).
 * The file format and the durability protocol are described in the module's {@code FORMAT.md}, "Snapshot files".
 *
 * <p>A snapshot is streamed into a temporary file with a CRC32C, forced, renamed into place and the directory is
 * forced; only then is it listed, and only then are older snapshots beyond the retention deleted. On open, leftover
 * temporary files (torn writes) are deleted and every snapshot file is validated completely, newest first; a damaged
 * one is logged at WARN, reported by {@link #problems()} and skipped, so the store falls back to the newest valid
 * snapshot.
 *
 * <p>Failure: an I/O error while writing or forcing a snapshot's own file discards that snapshot and leaves the store
 * usable, since nothing visible changed. A failed directory force after the rename leaves the store unable to tell
 * whether the new snapshot will survive a crash, so the store becomes fail-stop: every later {@link #begin} throws,
 * while reads of the previous snapshots keep working.
 *
 * <p>Thread-safe: store methods synchronize on the store; writers and readers are each owned by one thread.
 */
public final class FileSnapshotStore implements SnapshotStore {

    private static final Logger log = LoggerFactory.getLogger(FileSnapshotStore.class);

    /** Default number of snapshots kept after a commit: the new one and one to fall back to. */
    public static final int DEFAULT_RETAIN_COUNT = 2;
    /** Payload bytes moved per write or read call; also the only buffer a writer or reader holds. */
    static final int DEFAULT_CHUNK_BYTES = 64 * 1024;

    private record Problem(Path path, long index, CorruptSnapshotException error) {
    }

    private final Path dir;
    private final FileChannels channels;
    private final int retainCount;
    private final int chunkBytes;
    private final DirectoryLock lock;
    /** Valid snapshots, newest first. */
    private final List<StoredSnapshot> snapshots;
    /** Damaged snapshot files still on disk, newest first. */
    private final List<Problem> problems;
    /** Reused by every writer; safe because at most one writer is open. */
    private final ByteBuffer writeBuffer;
    private FileSnapshotWriter openWriter;
    private IOException failure;
    private boolean closed;

    private FileSnapshotStore(Path dir, FileChannels channels, int retainCount, int chunkBytes, DirectoryLock lock,
                              List<StoredSnapshot> snapshots, List<Problem> problems) {
        this.dir = dir;
        this.channels = channels;
        this.retainCount = retainCount;
        this.chunkBytes = chunkBytes;
        this.lock = lock;
        this.snapshots = snapshots;
        this.problems = problems;
        this.writeBuffer = ByteBuffer.allocateDirect(chunkBytes);
    }

    /**
     * Opens (creating if needed) the store in {@code dir}, keeping the newest {@value #DEFAULT_RETAIN_COUNT}.
     *
     * @param dir the directory the snapshots live in; created with its parents if missing
     * @return the open store
     * @throws StoreLockedException if another store owns {@code dir}
     * @throws IOException if the directory cannot be created or read; damaged snapshots do not fail the open
     */
    public static FileSnapshotStore open(Path dir) throws IOException {
        return open(dir, DEFAULT_RETAIN_COUNT);
    }

    /**
     * Opens (creating if needed) the store in {@code dir}, keeping the newest {@code retainCount} snapshots.
     *
     * @param dir the directory the snapshots live in; created with its parents if missing
     * @param retainCount how many valid snapshots to keep on disk, newest first; at least 1
     * @return the open store
     * @throws StoreLockedException if another store owns {@code dir}
     * @throws IOException          if the directory cannot be read; damaged snapshots do not fail the open (see
     *                              {@link #problems()})
     */
    public static FileSnapshotStore open(Path dir, int retainCount) throws IOException {
        return open(dir, retainCount, DEFAULT_CHUNK_BYTES, FileChannels.DEFAULT);
    }

    static FileSnapshotStore open(Path dir, int retainCount, int chunkBytes, FileChannels channels)
            throws IOException {
        if (retainCount < 1) {
            throw new IllegalArgumentException("retain count must be at least 1, got " + retainCount);
        }
        int minChunk = SnapshotFraming.MAX_HEADER_BYTES + SnapshotFraming.TRAILER_BYTES;
        if (chunkBytes < minChunk) {
            throw new IllegalArgumentException("chunk must hold the largest header, at least " + minChunk
                    + " bytes, got " + chunkBytes);
        }
        Files.createDirectories(dir);
        DirectoryLock lock = DirectoryLock.acquire(dir, channels);
        try {
            List<StoredSnapshot> valid = new ArrayList<>();
            List<Problem> problems = new ArrayList<>();
            recover(dir, channels, chunkBytes, valid, problems);
            FileSnapshotStore store = new FileSnapshotStore(dir, channels, retainCount, chunkBytes, lock, valid,
                    problems);
            log.info("opened snapshot store {}: {} valid snapshot(s), newest index {}, {} damaged", dir,
                    valid.size(), valid.isEmpty() ? "none" : valid.get(0).meta().lastIncludedIndex(),
                    problems.size());
            return store;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static void recover(Path dir, FileChannels channels, int chunkBytes, List<StoredSnapshot> valid,
                                List<Problem> problems) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.collect(Collectors.toList());
        }
        boolean deletedTemp = false;
        List<long[]> candidates = new ArrayList<>();
        List<Path> candidatePaths = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.equals(DirectoryLock.NAME)) {
                continue;
            }
            if (name.endsWith(SnapshotFraming.TEMP_SUFFIX)) {
                // A crash before the rename: the snapshot was never committed, so it is simply dropped.
                log.debug("deleting unfinished snapshot file {}", file);
                Files.delete(file);
                deletedTemp = true;
                continue;
            }
            long[] position = SnapshotFraming.parseName(name);
            if (position == null) {
                log.warn("ignoring unexpected file {} in snapshot directory", file);
                continue;
            }
            candidates.add(new long[] {position[0], position[1], candidatePaths.size()});
            candidatePaths.add(file);
        }
        if (deletedTemp) {
            channels.syncDirectory(dir);
        }
        candidates.sort(Comparator.<long[]>comparingLong(c -> c[0]).thenComparingLong(c -> c[1]).reversed());
        ByteBuffer buf = ByteBuffer.allocateDirect(chunkBytes);
        for (long[] c : candidates) {
            Path file = candidatePaths.get((int) c[2]);
            try {
                valid.add(StoredSnapshot.verify(file, c[0], c[1], channels, buf));
            } catch (CorruptSnapshotException e) {
                log.warn("skipping damaged snapshot at index {}: {}", c[0], e.getMessage());
                problems.add(new Problem(file, c[0], e));
            }
        }
        if (!problems.isEmpty() && (valid.isEmpty() || problems.get(0).index > valid.get(0).meta().lastIncludedIndex())) {
            log.warn("newest snapshot in {} (index {}) is damaged; falling back to {}", dir, problems.get(0).index,
                    valid.isEmpty() ? "no snapshot" : "the snapshot at index " + valid.get(0).meta().lastIncludedIndex());
        }
    }

    @Override
    public synchronized SnapshotWriter begin(long lastIncludedIndex, long lastIncludedTerm, List<Long> members)
            throws IOException {
        SnapshotMeta.checkPosition(lastIncludedIndex, lastIncludedTerm, members);
        if (members.size() > SnapshotFraming.MAX_MEMBERS) {
            throw new IllegalArgumentException("snapshot at index " + lastIncludedIndex + " has " + members.size()
                    + " members, at most " + SnapshotFraming.MAX_MEMBERS + " are supported");
        }
        return begin(lastIncludedIndex, lastIncludedTerm, Membership.ofVoters(members));
    }

    @Override
    public synchronized SnapshotWriter begin(long lastIncludedIndex, long lastIncludedTerm, Membership membership)
            throws IOException {
        SnapshotMeta.checkPosition(lastIncludedIndex, lastIncludedTerm,
                membership == null ? null : membership.allVoterIds());
        if (SnapshotFraming.headerBytes(membership) > SnapshotFraming.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("snapshot at index " + lastIncludedIndex + " has a configuration of "
                    + SnapshotFraming.headerBytes(membership) + " header bytes, at most "
                    + SnapshotFraming.MAX_HEADER_BYTES + " are supported: " + membership);
        }
        if (closed) {
            throw new IllegalStateException("snapshot store " + dir + " is closed");
        }
        if (failure != null) {
            throw new IOException("snapshot store " + dir + " is fail-stopped after an earlier error", failure);
        }
        if (openWriter != null) {
            throw new IllegalStateException("a snapshot at index " + openWriter.index()
                    + " is still being written in " + dir + "; cannot begin one at index " + lastIncludedIndex);
        }
        long newestIndex = snapshots.isEmpty() ? 0 : snapshots.get(0).meta().lastIncludedIndex();
        if (lastIncludedIndex <= newestIndex) {
            throw new IllegalArgumentException("snapshot index must grow: newest is " + newestIndex + ", got "
                    + lastIncludedIndex);
        }
        Path temp = dir.resolve(SnapshotFraming.tempFileName(lastIncludedIndex, lastIncludedTerm));
        FileChannel channel = channels.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        openWriter = new FileSnapshotWriter(this, temp, channel, writeBuffer, lastIncludedIndex, lastIncludedTerm,
                membership);
        return openWriter;
    }

    /**
     * Called by a writer whose file is complete and forced: renames it into place, forces the directory, lists it,
     * then deletes what it supersedes.
     */
    synchronized SnapshotMeta publish(FileSnapshotWriter writer, Path temp, StoredSnapshot snapshot)
            throws IOException {
        if (openWriter != writer) {
            Files.deleteIfExists(temp);
            throw new IllegalStateException("snapshot writer at index " + writer.index() + " is no longer open in "
                    + dir + " (store closed?)");
        }
        openWriter = null;
        try {
            Files.move(temp, snapshot.path(), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try {
            channels.syncDirectory(dir);
        } catch (IOException e) {
            // The rename may or may not survive a crash; nothing may be deleted on its account, and the store can no
            // longer promise anything about what it writes.
            failure = e;
            log.error("forcing snapshot directory {} after committing index {} failed; snapshot store is now "
                    + "fail-stop", dir, snapshot.meta().lastIncludedIndex(), e);
            throw e;
        }
        snapshots.add(0, snapshot);
        List<Path> doomed = new ArrayList<>();
        while (snapshots.size() > retainCount) {
            doomed.add(snapshots.remove(snapshots.size() - 1).path());
        }
        long newIndex = snapshot.meta().lastIncludedIndex();
        // A damaged file below the new snapshot is superseded; one at the same name was replaced by the rename.
        problems.removeIf(p -> {
            if (p.path.equals(snapshot.path())) {
                return true;
            }
            if (p.index < newIndex) {
                doomed.add(p.path);
                return true;
            }
            return false;
        });
        delete(doomed);
        return snapshot.meta();
    }

    synchronized void release(FileSnapshotWriter writer) {
        if (openWriter == writer) {
            openWriter = null;
        }
    }

    private void delete(List<Path> doomed) {
        if (doomed.isEmpty()) {
            return;
        }
        for (Path p : doomed) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // Safe to leave: an older snapshot never wins over a newer valid one.
                log.warn("deleting old snapshot {} failed: {}", p, e.toString());
            }
        }
        try {
            channels.syncDirectory(dir);
        } catch (IOException e) {
            log.warn("forcing snapshot directory {} after deleting old snapshots failed (they may reappear after a "
                    + "crash, which is harmless): {}", dir, e.toString());
        }
    }

    @Override
    public synchronized List<SnapshotMeta> list() {
        List<SnapshotMeta> metas = new ArrayList<>(snapshots.size());
        for (StoredSnapshot s : snapshots) {
            metas.add(s.meta());
        }
        return List.copyOf(metas);
    }

    @Override
    public synchronized Optional<SnapshotReader> openNewest() throws IOException {
        if (closed) {
            throw new IllegalStateException("snapshot store " + dir + " is closed");
        }
        if (snapshots.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(FileSnapshotReader.open(snapshots.get(0), channels, chunkBytes));
    }

    @Override
    public synchronized Optional<SnapshotReader> open(long lastIncludedIndex) throws IOException {
        if (closed) {
            throw new IllegalStateException("snapshot store " + dir + " is closed");
        }
        for (StoredSnapshot s : snapshots) {
            if (s.meta().lastIncludedIndex() == lastIncludedIndex) {
                return Optional.of(FileSnapshotReader.open(s, channels, chunkBytes));
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized int deleteOlderThan(long lastIncludedIndex) {
        List<Path> doomed = new ArrayList<>();
        for (int i = snapshots.size() - 1; i >= 1; i--) {
            if (snapshots.get(i).meta().lastIncludedIndex() < lastIncludedIndex) {
                doomed.add(snapshots.remove(i).path());
            }
        }
        int deleted = doomed.size();
        delete(doomed);
        return deleted;
    }

    @Override
    public synchronized List<CorruptSnapshotException> problems() {
        List<CorruptSnapshotException> errors = new ArrayList<>(problems.size());
        for (Problem p : problems) {
            errors.add(p.error);
        }
        return List.copyOf(errors);
    }

    /** {@return the directory this store owns} */
    public Path directory() {
        return dir;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            // An open writer belongs to another thread: it is not touched here, but its commit will now fail and its
            // temporary file is deleted then, or by the next open.
            openWriter = null;
        }
        lock.close();
        log.info("closed snapshot store {}", dir);
    }
}
