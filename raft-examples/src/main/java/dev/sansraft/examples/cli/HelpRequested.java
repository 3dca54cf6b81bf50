package dev.sansraft.examples.cli;

/**
 * Thrown by {@link FlagSet#parse} when the user asked for {@code --help} or {@code -h}; the caller prints usage.
 * Immutable.
 */
public final class HelpRequested extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A request for the usage text. */
    public HelpRequested() {
        super("help requested", null, false, false);
    }
}
