package dev.sansraft.examples.server;

import dev.sansraft.core.RaftStatus;
import dev.sansraft.examples.members.ApiAccess;
import dev.sansraft.examples.members.MembershipClient;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code server --join}: a node on an empty data directory asks a running cluster to add it. First it reads the
 * members from {@code GET /members} so that its transport can answer the leader; once its node runs it asks to be
 * added as a learner ({@code POST /members}), waits until the leader has reached it, then until it has caught up (by
 * snapshot if the leader compacted its log) and asks to be promoted ({@code POST /members/{id}/promote}, which the
 * leader refuses with 409 until the learner is close enough to its log), printing each step. A refusal that retrying
 * cannot fix ends it with {@link JoinRefused}: an HTTP error other than 503 (401 for a missing or wrong token), or a
 * failed TLS handshake; conditions that pass (unreachable, no leader, another change in progress, not caught up yet)
 * are retried. Against a secured cluster it speaks HTTPS trusting the node's own {@code --tls-ca} and sends its {@code
 * --auth-token-file} token: a member of such a cluster shares both.
 *
 * <p>Not thread-safe: used by the starting thread only.
 */
final class JoinProcedure {

    /** The cluster refused this node, or could not be reached at all. */
    static final class JoinRefused extends Exception {
        private static final long serialVersionUID = 1L;

        JoinRefused(String message) {
            super(message);
        }
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** How long to keep retrying while the cluster cannot be reached or has no leader. */
    private static final Duration UNREACHABLE_LIMIT = Duration.ofMinutes(2);
    private static final long RETRY_PAUSE_NANOS = Duration.ofMillis(300).toNanos();

    /** How long to wait for the leader's first message before saying what to check. */
    private static final Duration CONTACT_HINT = Duration.ofSeconds(5);
    private static final long CONTACT_POLL_NANOS = Duration.ofMillis(50).toNanos();

    private final PeerSpec self;
    private final MembershipClient client;
    private final boolean tls;
    private final PrintStream out;

    JoinProcedure(PeerSpec self, String joinUrl, ApiAccess access, PrintStream out) throws JoinRefused {
        this.self = self;
        this.tls = access.tls() != null;
        try {
            this.client = new MembershipClient(joinUrl, REQUEST_TIMEOUT, access);
        } catch (IllegalArgumentException e) {
            throw new JoinRefused("--join: " + e.getMessage());
        }
        this.out = out;
    }

    /** Whether a log directory holds anything: the node then has a membership of its own and need not join. */
    static boolean hasState(Path logDir) throws IOException {
        if (!Files.isDirectory(logDir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(logDir)) {
            return files.anyMatch(f -> {
                try {
                    return Files.isRegularFile(f) && Files.size(f) > 0;
                } catch (IOException e) {
                    return true; // unreadable is not empty: let the log store report it
                }
            });
        }
    }

    /** The settings with every current member added to the peers, so the new node can reach the leader. */
    NodeSettings learnMembers(NodeSettings settings) throws JoinRefused, InterruptedException {
        MembershipClient.Answer answer = retrying("read the members", client::list);
        List<MembershipClient.Member> members;
        try {
            members = MembershipClient.parseMembers(answer.body());
        } catch (IllegalArgumentException e) {
            throw new JoinRefused(client.baseUrl() + " did not list its members: " + e.getMessage());
        }
        List<PeerSpec> peers = new ArrayList<>();
        peers.add(self);
        for (MembershipClient.Member m : members) {
            if (m.id() == self.id()) {
                throw new JoinRefused("node " + self.id() + " is already a " + (m.voter() ? "voter" : "learner")
                        + " of the cluster at " + client.baseUrl() + ", but " + settings.dataDir() + " is empty;"
                        + " remove it first (members --remove " + self.id() + ") or join with a new id");
            }
            try {
                peers.add(PeerSpec.parseEndpoint(m.id(), m.endpoint()));
            } catch (IllegalArgumentException e) {
                throw new JoinRefused("the cluster lists member " + m.id() + " with an unusable endpoint: "
                        + e.getMessage());
            }
        }
        out.println("node " + self.id() + ": joining the cluster at " + client.baseUrl() + " with members "
                + members.stream().map(m -> m.id() + (m.voter() ? "" : " (learner)")).toList());
        return new NodeSettings(settings.identity(), settings.dataDir(), PeerList.of(peers), settings.httpThreads(),
                settings.snapshots(), settings.logSegmentBytes(), false, settings.memoryBudgetBytes());
    }

    /**
     * With the node running: be added as a learner, hear from the leader, catch up, be promoted.
     *
     * @param status this node's own status, read to see whether the leader has reached it
     */
    void join(Supplier<RaftStatus> status) throws JoinRefused, InterruptedException {
        out.println("node " + self.id() + ": asking to be added as a learner at " + self.endpoint());
        expectOk("add node " + self.id() + " as a learner",
                retrying("add this node as a learner", () -> client.addLearner(self.id(), self.endpoint())));
        out.println("node " + self.id() + ": added as a learner; catching up with the leader's log");
        awaitLeaderContact(status);
        long lastReport = System.nanoTime();
        while (true) {
            MembershipClient.Answer a = retrying("promote this node", () -> client.promote(self.id()));
            if (a.ok()) {
                out.println("node " + self.id() + ": promoted to voter; joined");
                return;
            }
            if (a.status() != 409) {
                throw new JoinRefused("the cluster refused to promote node " + self.id() + ": HTTP " + a.status()
                        + ": " + a.message());
            }
            if (System.nanoTime() - lastReport > Duration.ofSeconds(2).toNanos()) {
                out.println("node " + self.id() + ": not promoted yet: " + a.message());
                lastReport = System.nanoTime();
            }
            LockSupport.parkNanos(RETRY_PAUSE_NANOS);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /**
     * Waits until the leader has reached this node, which then knows it. Until then a promotion must not be asked
     * for: on a young log the leader would find a learner at match index 0 close enough to its commit index, and
     * make a voter of a node it cannot reach (a raft port it cannot connect to, or a certificate that does not
     * chain to the CA the other nodes trust), leaving the cluster one failure closer to unavailability. Prints what
     * to check after {@link #CONTACT_HINT}, and gives up after {@link #UNREACHABLE_LIMIT}.
     */
    private void awaitLeaderContact(Supplier<RaftStatus> status) throws JoinRefused, InterruptedException {
        long start = System.nanoTime();
        boolean hinted = false;
        while (status.get().leaderId() == 0) {
            long waited = System.nanoTime() - start;
            if (!hinted && waited > CONTACT_HINT.toNanos()) {
                out.println("node " + self.id() + ": the leader has not reached this node yet after "
                        + CONTACT_HINT.toSeconds() + " s; check that it can connect to " + self.host() + ":"
                        + self.raftPort() + (tls ? " and that this node's certificate (CN=node-" + self.id()
                        + ") chains to the CA the other nodes trust (their --tls-ca)" : ""));
                hinted = true;
            }
            if (waited > UNREACHABLE_LIMIT.toNanos()) {
                throw new JoinRefused("the leader did not reach node " + self.id() + " at " + self.host() + ":"
                        + self.raftPort() + " within " + UNREACHABLE_LIMIT.toSeconds() + " s"
                        + (tls ? " (does this node's certificate chain to the cluster CA?)" : "") + "; it stays a"
                        + " learner in the configuration until removed: members --remove " + self.id());
            }
            LockSupport.parkNanos(CONTACT_POLL_NANOS);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    private void expectOk(String what, MembershipClient.Answer a) throws JoinRefused {
        if (!a.ok()) {
            throw new JoinRefused("the cluster refused to " + what + ": HTTP " + a.status() + ": " + a.message());
        }
    }

    private interface Call {
        MembershipClient.Answer send() throws IOException, InterruptedException;
    }

    /**
     * Sends until the answer is not a 503 and the server is reachable, for at most {@link #UNREACHABLE_LIMIT}. A 401
     * or a failed TLS handshake ends it at once: the same credentials will not do better a second time.
     */
    private MembershipClient.Answer retrying(String what, Call call) throws JoinRefused, InterruptedException {
        long deadline = System.nanoTime() + UNREACHABLE_LIMIT.toNanos();
        String last;
        do {
            try {
                MembershipClient.Answer a = call.send();
                if (a.unauthorized()) {
                    throw new JoinRefused("the cluster at " + client.baseUrl() + " refused to " + what + ": HTTP 401: "
                            + a.message() + " (give this node the cluster's token with --auth-token-file)");
                }
                if (a.status() != 503) {
                    return a;
                }
                last = "HTTP 503: " + a.message();
            } catch (SSLException e) {
                throw new JoinRefused("could not " + what + ": " + client.explain(e));
            } catch (IOException e) {
                last = client.explain(e);
            }
            LockSupport.parkNanos(RETRY_PAUSE_NANOS);
        } while (System.nanoTime() - deadline < 0);
        throw new JoinRefused("could not " + what + " through " + client.baseUrl() + " within "
                + UNREACHABLE_LIMIT.toSeconds() + " s; last: " + last);
    }
}
