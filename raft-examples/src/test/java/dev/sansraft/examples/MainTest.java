package dev.sansraft.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpOnEverySubcommandExitsZeroWithUsage() {
        for (String command : new String[]{"server", "cluster", "bench"}) {
            outBytes.reset();
            assertThat(run(command, "--help")).as(command).isEqualTo(0);
            assertThat(out()).as(command).startsWith("usage: raft-examples " + command);
        }
        outBytes.reset();
        assertThat(run("--help")).isEqualTo(0);
        assertThat(out()).contains("server", "cluster", "bench");
    }

    @Test
    void unknownCommandOrFlagOrBadValueExitsTwoWithProblemAndUsage() {
        assertThat(run()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run("frobnicate")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("unknown command 'frobnicate'");
        errBytes.reset();
        assertThat(run("bench", "--speed", "9")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("error: unknown flag --speed", "usage: raft-examples bench");
        errBytes.reset();
        assertThat(run("bench", "--concurrency", "0")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("--concurrency: 0 is outside");
        errBytes.reset();
        assertThat(run("bench", "--target", "ftp://x")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("--target");
        errBytes.reset();
        assertThat(run("cluster", "--nodes", "many")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("--nodes: 'many' is not an integer");
    }

    @Test
    void serverRejectsIdOutsidePeersAndMalformedPeers(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertThat(run("server", "--id", "4", "--data", dir.toString(), "--peers",
                "1=127.0.0.1:9001/8001")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("--id 4 is not among the --peers ids [1]");
        errBytes.reset();
        assertThat(run("server", "--id", "1", "--data", dir.toString(), "--peers", "1=127.0.0.1:9001"))
                .isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("is not id=host:raftPort/httpPort");
        errBytes.reset();
        assertThat(run("server", "--id", "1", "--data", dir.toString(), "--peers", "1=h:1/2",
                "--cluster-id", "no spaces")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).contains("--cluster-id");
    }

    @Test
    void serverRefusesAnotherNodesDataDirectoryWithExitThree(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        new dev.sansraft.examples.server.NodeIdentity("sansraft", 2).claim(dir.resolve("n"), "log");
        int code = run("server", "--id", "1", "--data", dir.resolve("n").toString(), "--peers",
                "1=127.0.0.1:1/2,2=127.0.0.1:3/4");
        assertThat(code).isEqualTo(Main.EXIT_DATA_DIRECTORY);
        assertThat(err()).contains("belongs to node 2", "not node 1");
    }
}
