/**
 * A crash-safe, segmented, checksummed {@link dev.sansraft.node.LogStore} on the local file system:
 * {@link dev.sansraft.storage.file.FileLogStore}. The on-disk format is described in the module's {@code FORMAT.md}.
 *
 * <p>Depends on {@code dev.sansraft.core} and {@code dev.sansraft.node} (the SPI it implements), the JDK and
 * slf4j only. Everything except the store, its builder and its two exception types is package-private.
 */
package dev.sansraft.storage.file;
