package dev.sansraft.examples.http;

import dev.sansraft.core.RaftStatus;
import dev.sansraft.examples.members.MembershipClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The membership routes' shapes and status codes against a scripted backend, through {@link MembershipClient}. */
class MembersApiTest {

    /** Answers every membership call as scripted, and records the calls. */
    private static final class ScriptedBackend implements KvBackend {
        final FakeBackend kv = new FakeBackend();
        final List<String> calls = new ArrayList<>();
        Members members = new Members(List.of(new Member(1, "127.0.0.1:9001/8001", 42)), List.of(), false);
        RuntimeException failure;

        private <T> CompletableFuture<T> answer(String call, T value) {
            calls.add(call);
            return failure != null ? CompletableFuture.failedFuture(failure) : CompletableFuture.completedFuture(value);
        }

        @Override
        public CompletableFuture<Written> put(byte[] key, byte[] value, ClientSession session) {
            return kv.put(key, value, session);
        }

        @Override
        public CompletableFuture<Deleted> delete(byte[] key, ClientSession session) {
            return kv.delete(key, session);
        }

        @Override
        public CompletableFuture<Swapped> compareAndSet(byte[] key, byte[] expected, byte[] value,
                                                        ClientSession session) {
            return kv.compareAndSet(key, expected, value, session);
        }

        @Override
        public CompletableFuture<ReadResult> get(byte[] key, ReadLevel level) {
            return kv.get(key, level);
        }

        @Override
        public RaftStatus status() {
            return kv.status();
        }

        @Override
        public String metricsText() {
            return kv.metricsText();
        }

        @Override
        public Members members() {
            return members;
        }

        @Override
        public CompletableFuture<Members> addLearner(long id, String endpoint) {
            return answer("add " + id + " " + endpoint, members);
        }

        @Override
        public CompletableFuture<Members> promote(long id) {
            return answer("promote " + id, members);
        }

        @Override
        public CompletableFuture<Members> remove(long id) {
            return answer("remove " + id, members);
        }

        @Override
        public CompletableFuture<Long> transferLeadership(long id) {
            return answer("transfer " + id, id);
        }

        @Override
        public String httpUrlOf(long id) {
            return id == 4 ? "http://127.0.0.1:8004" : null;
        }
    }

    private final ScriptedBackend backend = new ScriptedBackend();
    private KvHttpServer server;
    private MembershipClient client;

    @BeforeEach
    void start() throws IOException {
        server = KvHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backend, Map.of(), 2);
        client = new MembershipClient("http://127.0.0.1:" + server.port(), Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void listsMembersInTheDocumentedShape() throws Exception {
        backend.members = new KvBackend.Members(List.of(new KvBackend.Member(1, "127.0.0.1:9001/8001", 42)),
                List.of(new KvBackend.Member(4, "127.0.0.1:9004/8004", 40)), false);
        MembershipClient.Answer a = client.list();
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body().strip()).isEqualTo("{\"voters\":[{\"id\":1,\"endpoint\":\"127.0.0.1:9001/8001\","
                + "\"match\":42}],\"learners\":[{\"id\":4,\"endpoint\":\"127.0.0.1:9004/8004\",\"match\":40}],"
                + "\"joint\":false}");
        assertThat(MembershipClient.parseMembers(a.body())).containsExactly(
                new MembershipClient.Member(1, "127.0.0.1:9001/8001", 42, true),
                new MembershipClient.Member(4, "127.0.0.1:9004/8004", 40, false));
    }

    @Test
    void changesReachTheBackendWithTheirArguments() throws Exception {
        assertThat(client.addLearner(4, "127.0.0.1:9004/8004").status()).isEqualTo(200);
        assertThat(client.promote(4).status()).isEqualTo(200);
        assertThat(client.remove(3).status()).isEqualTo(200);
        MembershipClient.Answer t = client.transferLeadership(2);
        assertThat(t.status()).isEqualTo(200);
        assertThat(t.body().strip()).isEqualTo("{\"leader\":2}");
        assertThat(backend.calls).containsExactly("add 4 127.0.0.1:9004/8004", "promote 4", "remove 3",
                "transfer 2");
    }

    @Test
    void failuresMapToTheirStatusCodes() throws Exception {
        backend.failure = new HttpProblem(404, "node 9 is not a member");
        MembershipClient.Answer unknown = client.promote(9);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.message()).contains("node 9 is not a member");

        backend.failure = new HttpProblem(409, "learner 4 has not caught up");
        assertThat(client.promote(4).status()).isEqualTo(409);

        backend.failure = new UnavailableFailure("node 2 did not take over within an election timeout; retry");
        assertThat(client.transferLeadership(2).status()).isEqualTo(503);

        backend.failure = new NotLeaderFailure(7);
        assertThat(client.remove(3).status()).as("no address known for the leader").isEqualTo(503);
    }

    @Test
    void badRequestsAreCallerMistakes() throws Exception {
        assertThat(client.addLearner(0, "x").status()).as("id must be positive").isEqualTo(400);
        assertThat(client.transferLeadership(-1).status()).isEqualTo(400);
        assertThat(backend.calls).isEmpty();
    }
}
