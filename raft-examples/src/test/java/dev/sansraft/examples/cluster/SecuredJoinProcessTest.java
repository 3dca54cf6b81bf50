package dev.sansraft.examples.cluster;

import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Main;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.members.ApiAccess;
import dev.sansraft.examples.members.MembershipClient;
import dev.sansraft.examples.server.PeerList;
import dev.sansraft.examples.server.PeerSpec;
import dev.sansraft.transport.tcp.ThrowawayCa;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code server --join} and the {@code members} subcommand against a secured cluster: three {@code server} JVMs with
 * mutual TLS between them, HTTPS and a bearer token on the API. A client without the CA or without the token is
 * refused with a message that says so, and so is a joining node without the token; node 4 with its certificate and
 * the token joins through a follower (the 307 to the leader keeps the token), is promoted, and counts toward commits:
 * with node 3 killed, writes need node 4's acknowledgement. Then leadership moves to node 4, and node 3 is removed
 * with {@code members --remove} sent to node 1, which redirects to node 4 by an {@code https://} URL it built from
 * node 4's endpoint in the configuration. Last, node 5 joins with a certificate from another CA: the leader cannot
 * reach it, so it stays a learner and says what to check, rather than becoming a voter nobody can reach.
 */
@Timeout(600)
class SecuredJoinProcessTest {
    private static final Duration STEP = Duration.ofSeconds(90);
    private static final List<String> JVM_OPTIONS = List.of("-Xmx128m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC");
    private static final String TOKEN = "secured-join-token-0123456789abcdef";

    @TempDir
    Path dir;

    private final Map<Long, ServerProcess> running = Collections.synchronizedMap(new TreeMap<>());
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final Consumer<String> sink = output::add;
    private PeerList all;
    private Path tls;
    private Path caPem;
    private Path tokenFile;
    private Http http;

    @AfterEach
    void stopAll() throws InterruptedException {
        for (ServerProcess p : new ArrayList<>(running.values())) {
            p.kill();
        }
    }

    private PeerSpec peer(long id) {
        return all.find(id).orElseThrow();
    }

    private String httpsUrl(long id) {
        return "https://" + peer(id).httpBaseUrl().substring("http://".length());
    }

    /** Node {@code id}'s certificate from the directory {@code certificates}, trusting the cluster CA. */
    private List<String> certificateArgs(Path certificates, long id) {
        return List.of("--tls-cert", certificates.resolve("node-" + id + ".pem").toString(),
                "--tls-key", certificates.resolve("node-" + id + ".key").toString(), "--tls-ca", caPem.toString());
    }

    private ServerProcess start(long id, List<String> args) {
        return start(id, tls, args);
    }

    private ServerProcess start(long id, Path certificates, List<String> args) {
        List<String> full = new ArrayList<>(List.of("--id", Long.toString(id), "--data",
                dir.resolve("node-" + id).toString(), "--cluster-id", "secured-join", "--http-threads", "2"));
        full.addAll(certificateArgs(certificates, id));
        full.addAll(args);
        try {
            ServerProcess p = ServerProcess.start(id, JVM_OPTIONS, full, dir, sink);
            running.put(id, p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String log() {
        synchronized (output) {
            return String.join("\n", output.subList(Math.max(0, output.size() - 80), output.size()));
        }
    }

    private long leader() {
        return Poll.until(STEP, "a leader every live node knows", () -> {
            long leader = -1;
            for (long id : new ArrayList<>(running.keySet())) {
                long l = Http.jsonLong(http.get(httpsUrl(id) + "/status").body(), "leader");
                if (l == 0 || (leader != -1 && l != leader)) {
                    return null;
                }
                leader = l;
            }
            return leader;
        });
    }

    /** The {@code members} subcommand run in this JVM: its exit code and what it printed on both streams. */
    private record Run(int exitCode, String out, String err) {
    }

    private static Run runMain(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run members(String... args) {
        List<String> full = new ArrayList<>(List.of("members"));
        full.addAll(List.of(args));
        return runMain(full);
    }

    private List<Long> voters(String url) {
        Run run = members("--server", url, "--cacert", caPem.toString(), "--auth-token-file", tokenFile.toString());
        assertThat(run.exitCode()).as("members listing: %s", run.err()).isZero();
        return MembershipClient.parseMembers(run.out()).stream().filter(MembershipClient.Member::voter)
                .map(MembershipClient.Member::id).toList();
    }

    /** Writes through the leader until one write is acknowledged; null while none is. */
    private Integer putOnce(String key, String value) {
        HttpResponse<String> r = http.put(httpsUrl(leader()) + "/kv/" + key, value);
        return r.statusCode() == 200 ? r.statusCode() : null;
    }

    @Test
    void nodeJoinsATlsAndTokenClusterAndClientsWithoutCredentialsAreToldWhy() throws Exception {
        all = LoopbackPeers.pick(5);
        tls = dir.resolve("tls");
        ThrowawayCa ca = ThrowawayCa.create(tls, "secured-join CA", 2);
        for (long id = 1; id <= 4; id++) {
            ca.issueNode(id);
        }
        caPem = ca.caPem();
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        http = new Http(ApiAccess.trusting(caPem), "Authorization", "Bearer " + TOKEN);
        String initial = PeerList.of(List.of(peer(1), peer(2), peer(3))).toString();
        for (long id = 1; id <= 3; id++) {
            start(id, List.of("--peers", initial, "--auth-token-file", tokenFile.toString()));
        }
        long leader = leader();
        long follower = leader == 1 ? 2 : 1;
        Poll.until(STEP, "a first write; log:\n" + log(), () -> putOnce("before-join", "1"));

        // Clients without the CA or the token are refused, and told which one they lack.
        Run noCa = members("--server", httpsUrl(follower));
        assertThat(noCa.exitCode()).as("members without --cacert").isEqualTo(Main.EXIT_FAILURE);
        assertThat(noCa.err()).contains("TLS with " + httpsUrl(follower) + " failed").contains("cluster CA");
        Run plain = members("--server", peer(follower).httpBaseUrl(), "--cacert", caPem.toString());
        assertThat(plain.exitCode()).as("members with http:// to an HTTPS port").isEqualTo(Main.EXIT_FAILURE);
        assertThat(plain.err()).contains("use https://");
        Run noToken = members("--server", httpsUrl(follower), "--cacert", caPem.toString());
        assertThat(noToken.exitCode()).as("members without --auth-token-file").isEqualTo(Main.EXIT_FAILURE);
        assertThat(noToken.err()).contains("HTTP 401").contains("give --auth-token-file");
        Path wrongToken = dir.resolve("wrong-token");
        Files.writeString(wrongToken, "not-the-cluster-token-0123456789");
        Run wrong = members("--server", httpsUrl(follower), "--cacert", caPem.toString(), "--auth-token-file",
                wrongToken.toString(), "--remove", "3");
        assertThat(wrong.exitCode()).as("members with a wrong token").isEqualTo(Main.EXIT_FAILURE);
        assertThat(wrong.err()).contains("HTTP 401").contains("another token");
        assertThat(voters(httpsUrl(follower))).as("a refused removal changed nothing").containsExactly(1L, 2L, 3L);

        // A joining node with TLS but without the token is refused, exits, and says why.
        String address = peer(4).endpoint();
        ServerProcess refused = start(4, List.of("--address", address, "--join", httpsUrl(follower)));
        assertThat(refused.process().waitFor(STEP.toSeconds(), TimeUnit.SECONDS)).as("refused node exits; log:\n%s",
                log()).isTrue();
        running.remove(4L);
        refused.kill();
        assertThat(refused.process().exitValue()).as("exit code of a refused join").isEqualTo(Main.EXIT_FAILURE);
        assertThat(log()).contains("[node-4] error: the cluster at " + httpsUrl(follower) + " refused to read the"
                + " members: HTTP 401").contains("--auth-token-file");
        // Plain http:// to a TLS cluster is a usage error, caught before anything starts.
        Run plainJoin = serverInProcess(4, List.of("--address", address, "--join", peer(follower).httpBaseUrl(),
                "--auth-token-file", tokenFile.toString()));
        assertThat(plainJoin.exitCode()).as("--join http:// with TLS flags").isEqualTo(Main.EXIT_USAGE);
        assertThat(plainJoin.err()).contains("give an https:// URL");

        // Node 4 with its certificate and the token joins through a follower and is promoted.
        start(4, List.of("--address", address, "--join", httpsUrl(follower), "--auth-token-file",
                tokenFile.toString()));
        Poll.untilTrue(STEP, "node 4 to join and be promoted; log:\n" + log(), () -> output.stream()
                .anyMatch(l -> l.equals("[node-4] node 4: promoted to voter; joined")));
        // Node 4 answers from its own log, which may trail the leader's for a moment after the promotion.
        Poll.untilTrue(STEP, "node 4 to list itself among four voters", () -> voters(httpsUrl(4)).size() == 4);
        assertThat(voters(httpsUrl(4))).as("voters after the join").containsExactlyInAnyOrder(1L, 2L, 3L, 4L);

        // With node 3 dead, three of the four voters must acknowledge a write: node 4 is one of them.
        running.remove(3L).kill();
        Poll.until(STEP, "a write with node 3 dead; log:\n" + log(), () -> putOnce("after-join", "2"));
        // Node 4 leads; a change sent to node 1 is redirected to it, by an https:// URL built from its endpoint.
        Run transfer = members("--server", httpsUrl(1), "--cacert", caPem.toString(), "--auth-token-file",
                tokenFile.toString(), "--transfer-to", "4");
        assertThat(transfer.exitCode()).as("members --transfer-to 4: %s", transfer.err()).isZero();
        Poll.untilTrue(STEP, "node 4 leads", () -> leader() == 4);
        Run remove = members("--server", httpsUrl(1), "--cacert", caPem.toString(), "--auth-token-file",
                tokenFile.toString(), "--remove", "3");
        assertThat(remove.exitCode()).as("members --remove 3: %s", remove.err()).isZero();
        assertThat(voters(httpsUrl(4))).as("voters on the leader after removing node 3")
                .containsExactlyInAnyOrder(1L, 2L, 4L);
        assertThat(log()).as("node 4 speaks mutual TLS").contains("[node-4] node 4 running: raft 127.0.0.1:"
                + peer(4).raftPort() + " (mutual TLS)");

        // Node 5's certificate comes from another CA: its HTTPS requests work (it trusts the cluster CA), but the
        // leader cannot connect to its raft port. It is added as a learner and must not be promoted: it waits for
        // the leader and says what to check.
        ThrowawayCa.create(dir.resolve("other-tls"), "another CA", 2).issueNode(5);
        start(5, dir.resolve("other-tls"), List.of("--address", peer(5).endpoint(), "--join", httpsUrl(1),
                "--auth-token-file", tokenFile.toString()));
        String hint = "[node-5] node 5: the leader has not reached this node yet after 5 s; check that it can connect"
                + " to 127.0.0.1:" + peer(5).raftPort() + " and that this node's certificate (CN=node-5) chains to"
                + " the CA the other nodes trust (their --tls-ca)";
        Poll.untilTrue(STEP, "node 5's hint; log:\n" + log(), () -> output.contains(hint));
        assertThat(voters(httpsUrl(1))).as("node 5, unreachable, is no voter").containsExactlyInAnyOrder(1L, 2L, 4L);
        assertThat(output).as("node 5 never claims to have joined").doesNotContain(
                "[node-5] node 5: promoted to voter; joined");
        running.remove(5L).kill();
        Run removeLearner = members("--server", httpsUrl(1), "--cacert", caPem.toString(), "--auth-token-file",
                tokenFile.toString(), "--remove", "5");
        assertThat(removeLearner.exitCode()).as("members --remove 5: %s", removeLearner.err()).isZero();
    }

    /** The {@code server} subcommand in this JVM, for command lines refused before a node starts. */
    private Run serverInProcess(long id, List<String> args) {
        List<String> full = new ArrayList<>(List.of("server", "--id", Long.toString(id), "--data",
                dir.resolve("node-" + id).toString(), "--cluster-id", "secured-join"));
        full.addAll(certificateArgs(tls, id));
        full.addAll(args);
        return runMain(full);
    }
}
