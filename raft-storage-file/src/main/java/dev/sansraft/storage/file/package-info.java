/**
 * Crash-safe storage on the local file system: a segmented, checksummed {@link dev.sansraft.node.LogStore},
 * {@link dev.sansraft.storage.file.FileLogStore}, and a {@link dev.sansraft.node.SnapshotStore} that writes each
 * snapshot atomically with a checksum, {@link dev.sansraft.storage.file.FileSnapshotStore}. The on-disk formats are
 * described in the module's {@code FORMAT.md}.
 *
 * <p>Depends on {@code dev.sansraft.core} and {@code dev.sansraft.node} (the SPIs it implements), the JDK and
 * slf4j only. Everything except the two stores, the log's builder and its two exception types is package-private.
 */
package dev.sansraft.storage.file;
