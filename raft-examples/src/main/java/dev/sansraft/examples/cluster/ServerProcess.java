package dev.sansraft.examples.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One {@code server} child process running {@code dev.sansraft.examples.Main} from the current classpath (the jar
 * when run as {@code java -jar}), with a daemon thread that forwards each output line, prefixed, to a sink.
 *
 * <p>Thread-safe: {@link #stop} may be called from a shutdown hook while another thread waits for the process.
 */
public final class ServerProcess {
    private final long id;
    private final Process process;
    private final Thread pump;

    private ServerProcess(long id, Process process, Thread pump) {
        this.id = id;
        this.process = process;
        this.pump = pump;
    }

    /**
     * Starts {@code java [jvmOptions] -cp <this classpath> dev.sansraft.examples.Main server <serverArgs>}.
     *
     * @param id the node id, used in the output prefix
     * @param jvmOptions options for the child JVM, such as {@code -Xmx256m}
     * @param serverArgs the {@code server} subcommand's flags
     * @param workDir the child's working directory
     * @param lines receives every output line (stdout and stderr merged) with a {@code [node-ID] } prefix
     * @return the started process
     * @throws IOException if the process cannot be started
     */
    public static ServerProcess start(long id, List<String> jvmOptions, List<String> serverArgs, Path workDir,
                                      Consumer<String> lines) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.sansraft.examples.Main");
        command.add("server");
        command.addAll(serverArgs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        Process process = builder.start();
        String prefix = "[node-" + id + "] ";
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.accept(prefix + line);
                }
            } catch (IOException e) {
                lines.accept(prefix + "(output lost: " + e.getMessage() + ")");
            }
        }, "output-node-" + id);
        pump.setDaemon(true);
        pump.start();
        return new ServerProcess(id, process, pump);
    }

    /**
     * A sink that prints lines to {@code out} one at a time, so lines of different children never interleave.
     *
     * @param out the stream to print to
     * @return the sink
     */
    public static Consumer<String> printingTo(PrintStream out) {
        return line -> {
            synchronized (out) {
                out.println(line);
            }
        };
    }

    /** The java launcher of this JVM, so children run on the same Java as the parent. */
    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** {@return the node id} */
    public long id() {
        return id;
    }

    /** {@return the child process} */
    public Process process() {
        return process;
    }

    /** {@return whether the child process is still running} */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the process at once (SIGKILL on Unix): a crash, no shutdown hooks.
     *
     * @throws InterruptedException if interrupted while waiting for the process to end
     */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        pump.join(TimeUnit.SECONDS.toMillis(5));
    }

    /**
     * Asks the process to stop (SIGTERM on Unix, which runs its shutdown hooks) and waits up to {@code graceMillis};
     * kills it if it is still running then.
     *
     * @param graceMillis how long to wait for a clean exit, in milliseconds
     * @return the exit code
     * @throws InterruptedException if interrupted while waiting
     */
    public int stop(long graceMillis) throws InterruptedException {
        // ProcessHandle.destroy signals without closing our end of the pipes (Process.destroy closes them), so the
        // child's last log lines still reach the sink.
        process.toHandle().destroy();
        if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        pump.join(TimeUnit.SECONDS.toMillis(5));
        return process.exitValue();
    }
}
