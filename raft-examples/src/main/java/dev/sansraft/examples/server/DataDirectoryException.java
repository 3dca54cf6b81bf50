package dev.sansraft.examples.server;

/**
 * A data directory that this node must not use: it belongs to another node or cluster, its identity file is
 * corrupt, or it holds data of unknown origin. The message names the directory and what was found. Immutable.
 */
public final class DataDirectoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataDirectoryException(String message) {
        super(message);
    }

    public DataDirectoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
