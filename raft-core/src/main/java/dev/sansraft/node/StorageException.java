package dev.sansraft.node;

/**
 * The {@link LogStore} failed. Storage failures are fatal to a node (fail-stop): Raft's safety depends on never
 * acknowledging what is not durable, so the node stops instead of carrying on with a store in an unknown state.
 * Thrown by {@link RaftNode#start()} when the durable state cannot be loaded, and given as the cause of the
 * {@link NodeClosedException}s of a node that stopped itself.
 *
 * <p>Immutable; thread-safe.
 */
public final class StorageException extends RaftException {

    private static final long serialVersionUID = 1L;

    /**
     * A storage failure, fatal to the node.
     *
     * @param message what failed, naming the file or operation
     * @param cause the I/O error
     */
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
