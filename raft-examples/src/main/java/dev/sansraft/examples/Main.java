package dev.sansraft.examples;

import dev.sansraft.examples.bench.BenchCommand;
import dev.sansraft.examples.cli.FlagSet;
import dev.sansraft.examples.cli.HelpRequested;
import dev.sansraft.examples.cli.ParsedFlags;
import dev.sansraft.examples.cli.UsageException;
import dev.sansraft.examples.cluster.ClusterCommand;
import dev.sansraft.examples.members.MembersCommand;
import dev.sansraft.examples.server.ServerCommand;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of {@code raft-examples.jar}: {@code server}, {@code cluster} or {@code bench}, each with
 * {@code --help}. Exit codes: 0 success, 1 runtime failure, 2 usage error, 3 refused data directory.
 * {@link #run} is thread-safe: it keeps no state between calls.
 */
public final class Main {
    /** Exit code of a command that succeeded. */
    public static final int EXIT_OK = 0;
    /** Exit code of a command that failed at run time. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a bad command line; the usage text is printed. */
    public static final int EXIT_USAGE = 2;
    /** Exit code of a data directory that belongs to another node or cluster, or cannot be used. */
    public static final int EXIT_DATA_DIRECTORY = 3;

    private static final List<Command> COMMANDS = List.of(new ServerCommand(), new ClusterCommand(),
            new BenchCommand(), new MembersCommand());

    private Main() {
    }

    /**
     * Runs one command line and exits the JVM with its exit code.
     *
     * @param args the subcommand name, then its flags
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs one command line and returns its exit code; never calls {@code System.exit}.
     *
     * @param args the subcommand name, then its flags
     * @param out where results, progress and help go
     * @param err where errors go
     * @return one of the {@code EXIT_} codes
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(overview());
            return args.length == 0 ? EXIT_USAGE : EXIT_OK;
        }
        Command command = COMMANDS.stream().filter(c -> c.name().equals(args[0])).findFirst().orElse(null);
        if (command == null) {
            err.println("unknown command '" + args[0] + "'");
            err.print(overview());
            return EXIT_USAGE;
        }
        FlagSet flags = command.flags();
        try {
            ParsedFlags parsed = flags.parse(Arrays.asList(args).subList(1, args.length));
            return command.run(parsed, out, err);
        } catch (HelpRequested h) {
            out.print(flags.usage());
            return EXIT_OK;
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(flags.usage());
            return EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(command.name() + " interrupted");
            return EXIT_FAILURE;
        } catch (Exception e) {
            err.println(command.name() + " failed: " + e);
            return EXIT_FAILURE;
        }
    }

    static String overview() {
        return """
                usage: raft-examples <command> [flags]

                commands:
                  server   run one node of a replicated key-value store with an HTTP API
                  cluster  start a local cluster of server processes (default 3)
                  bench    load-test a cluster over HTTP and print throughput and latency
                  members  list or change a running cluster's members, or transfer its leadership

                run 'raft-examples <command> --help' for the flags of a command
                """;
    }
}
