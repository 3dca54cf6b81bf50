package dev.sansraft.examples.server;

import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Which cluster and node a data directory belongs to, kept in the small file {@code DIR/identity}.
 *
 * <p>The file is text, so an operator can read it:
 * <pre>
 * sansraft-identity 1
 * cluster-id=default
 * node-id=2
 * crc32c=1a2b3c4d
 * </pre>
 * The last line is the CRC32C of every byte before it. Reusing a directory with a different node id or cluster id
 * would let one node present another's votes and log, which breaks Raft's safety argument (a vote must be
 * remembered by the node that cast it, §5.2), so {@link #claim} refuses it. Immutable and thread-safe.
 *
 * @param clusterId the cluster's name, 1 to 64 characters of {@code [A-Za-z0-9._-]}
 * @param nodeId    the node's Raft id, positive
 */
public record NodeIdentity(String clusterId, long nodeId) {
    static final String FILE_NAME = "identity";
    private static final String MAGIC = "sansraft-identity 1";
    private static final int MAX_FILE_BYTES = 4096;

    /**
     * Validates the ids.
     *
     * @param clusterId the cluster's name, 1 to 64 characters of {@code [A-Za-z0-9._-]}
     * @param nodeId the node's Raft id, positive
     * @throws IllegalArgumentException if the cluster id is malformed or the node id not positive
     */
    public NodeIdentity {
        if (clusterId == null || !clusterId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("cluster id '" + clusterId
                    + "' must be 1 to 64 characters of letters, digits, '.', '_' or '-'");
        }
        if (nodeId <= 0) {
            throw new IllegalArgumentException("node id must be positive, got " + nodeId);
        }
    }

    /**
     * Makes {@code dir} this identity's data directory: creates it and writes the identity file when the directory
     * is new, or checks the recorded identity when it is not.
     *
     * @param dir the data directory; created if absent
     * @param logDirName the subdirectory holding the log; its presence without an identity file means data of
     *                   unknown origin
     * @throws DataDirectoryException when the directory belongs to another node or cluster, or is unreadable
     */
    public void claim(Path dir, String logDirName) {
        Path file = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
            NodeIdentity found;
            try {
                found = read(file);
            } catch (NoSuchFileException e) {
                if (Files.exists(dir.resolve(logDirName))) {
                    throw new DataDirectoryException("data directory " + dir + " holds a log but no identity file;"
                            + " refusing to guess which node it belongs to");
                }
                write(dir, file);
                return;
            }
            if (!found.clusterId().equals(clusterId)) {
                throw new DataDirectoryException("data directory " + dir + " belongs to cluster '"
                        + found.clusterId() + "', not '" + clusterId + "'");
            }
            if (found.nodeId() != nodeId) {
                throw new DataDirectoryException("data directory " + dir + " belongs to node " + found.nodeId()
                        + " of cluster '" + clusterId + "', not node " + nodeId);
            }
        } catch (IOException e) {
            throw new DataDirectoryException("cannot use data directory " + dir + ": " + e, e);
        }
    }

    /** Reads and validates an identity file. */
    static NodeIdentity read(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw corrupt(file, "larger than " + MAX_FILE_BYTES + " bytes");
        }
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.UTF_8);
        int lastLine = text.lastIndexOf("crc32c=");
        if (lastLine < 0 || !text.endsWith("\n")) {
            throw corrupt(file, "no checksum line");
        }
        String crcText = text.substring(lastLine + "crc32c=".length(), text.length() - 1);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, text.substring(0, lastLine).getBytes(StandardCharsets.UTF_8).length);
        long expected;
        try {
            expected = Long.parseLong(crcText, 16);
        } catch (NumberFormatException e) {
            throw corrupt(file, "checksum '" + crcText + "' is not hexadecimal");
        }
        if (crc.getValue() != expected) {
            throw corrupt(file, "checksum mismatch: stored " + crcText + ", computed "
                    + Long.toHexString(crc.getValue()));
        }
        String[] lines = text.substring(0, lastLine).split("\n");
        if (lines.length != 3 || !lines[0].equals(MAGIC) || !lines[1].startsWith("cluster-id=")
                || !lines[2].startsWith("node-id=")) {
            throw corrupt(file, "unexpected layout");
        }
        try {
            return new NodeIdentity(lines[1].substring("cluster-id=".length()),
                    Long.parseLong(lines[2].substring("node-id=".length())));
        } catch (IllegalArgumentException e) {
            throw corrupt(file, e.getMessage());
        }
    }

    private static DataDirectoryException corrupt(Path file, String why) {
        return new DataDirectoryException("identity file " + file + " is corrupt (" + why + ")");
    }

    String render() {
        String body = MAGIC + "\ncluster-id=" + clusterId + "\nnode-id=" + nodeId + "\n";
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return body + "crc32c=" + Long.toHexString(crc.getValue()) + "\n";
    }

    /** Writes to a temporary file, syncs it, renames it into place and syncs the directory: all or nothing. */
    private void write(Path dir, Path file) throws IOException {
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(render().getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(dir);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory for syncing; the rename is then as durable as they allow.
            LoggerFactory.getLogger(NodeIdentity.class).debug("cannot sync directory {}: {}", dir, e.toString());
        }
    }
}
