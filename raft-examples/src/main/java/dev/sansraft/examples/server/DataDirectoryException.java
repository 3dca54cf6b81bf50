package dev.sansraft.examples.server;

/**
 * A data directory that this node must not use: it belongs to another node or cluster, its identity file is
 * corrupt, or it holds data of unknown origin. The message names the directory and what was found. Immutable.
 */
public final class DataDirectoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A data directory problem described by {@code message}.
     *
     * @param message names the directory and what is wrong with it
     */
    public DataDirectoryException(String message) {
        super(message);
    }

    /**
     * A data directory problem caused by {@code cause}.
     *
     * @param message names the directory and what is wrong with it
     * @param cause the I/O error behind it
     */
    public DataDirectoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
