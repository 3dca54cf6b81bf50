package dev.sansraft.examples.cli;

/**
 * A command line the user got wrong: an unknown flag, a missing or malformed value. The message names the flag and
 * the value; the caller prints it with the usage text and exits with code 2. Immutable.
 */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A command line that cannot be used.
     *
     * @param message names the offending flag or argument and what is wrong
     */
    public UsageException(String message) {
        super(message);
    }
}
