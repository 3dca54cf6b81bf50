package dev.sansraft.examples;

import dev.sansraft.examples.cli.FlagSet;
import dev.sansraft.examples.cli.ParsedFlags;

import java.io.PrintStream;

/**
 * One subcommand of the example jar. {@link Main} parses the flags the command declares and then calls
 * {@link #run}. Implementations are stateless apart from what {@code run} creates, so thread-safe.
 */
public interface Command {

    /** {@return the subcommand's name, e.g. {@code server}} */
    String name();

    /** {@return the flags it accepts, with defaults and help} A new instance per call. */
    FlagSet flags();

    /**
     * Runs the command. Long-running commands return only when they are stopped.
     *
     * @param flags the parsed values of the flags {@link #flags()} declared
     * @param out where results and progress go
     * @param err where errors go
     * @return the process exit code
     * @throws dev.sansraft.examples.cli.UsageException for a flag value that is well-formed but unusable
     * @throws Exception for any other failure, which {@link Main} reports and turns into exit code {@link
     *     Main#EXIT_FAILURE}
     */
    int run(ParsedFlags flags, PrintStream out, PrintStream err) throws Exception;
}
