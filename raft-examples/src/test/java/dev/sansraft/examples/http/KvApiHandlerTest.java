package dev.sansraft.examples.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every status code of the API against a fake backend: routing and mapping, without a cluster. */
class KvApiHandlerTest {
    private final FakeBackend backend = new FakeBackend();
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private KvHttpServer server;
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = KvHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backend,
                Map.of(1L, "http://127.0.0.1:1", 2L, "http://127.0.0.1:8002"), 2);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void nodelayIsSetBeforeAnyServerStarts() {
        assertThat(System.getProperty("sun.net.httpserver.nodelay"))
                .as("without TCP_NODELAY every response stalls ~40 ms").isEqualTo("true");
    }

    @Test
    void putGetDeleteRoundTrip() throws Exception {
        HttpResponse<String> put = send("PUT", "/kv/greeting", "hello");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).isEqualTo("{\"index\":1}\n");
        HttpResponse<String> get = send("GET", "/kv/greeting", null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("hello");
        assertThat(get.headers().firstValue("X-Applied-Index")).hasValue("1");
        assertThat(send("DELETE", "/kv/greeting", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/kv/greeting", null).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/kv/greeting", null).statusCode()).isEqualTo(404);
    }

    @Test
    void keysArePercentDecodedBytes() throws Exception {
        assertThat(send("PUT", "/kv/a%2Fb%20c", "v").statusCode()).isEqualTo(200);
        assertThat(backend.data).containsKey(java.nio.ByteBuffer.wrap("a/b c".getBytes(StandardCharsets.UTF_8)));
        assertThat(send("GET", "/kv/a%2fb%20c", null).body()).isEqualTo("v");
    }

    @Test
    void compareAndSetAnswers200Or412Or404() throws Exception {
        assertThat(send("PUT", "/kv/k?expect=x", "y").statusCode()).as("absent").isEqualTo(404);
        send("PUT", "/kv/k", "old");
        assertThat(send("PUT", "/kv/k?expect=other", "new").statusCode()).as("mismatch").isEqualTo(412);
        assertThat(send("PUT", "/kv/k?expect=old", "new").statusCode()).as("swapped").isEqualTo(200);
        assertThat(send("GET", "/kv/k", null).body()).isEqualTo("new");
    }

    @Test
    void followerRedirectsWritesAndLeaseReadsButServesLinearizableAndStaleReads() throws Exception {
        send("PUT", "/kv/k", "v");
        backend.leader = 2;
        HttpResponse<String> put = send("PUT", "/kv/k?expect=v", "w");
        assertThat(put.statusCode()).isEqualTo(307);
        assertThat(put.headers().firstValue("Location")).hasValue("http://127.0.0.1:8002/kv/k?expect=v");
        HttpResponse<String> linearizable = send("GET", "/kv/k", null);
        assertThat(linearizable.statusCode()).isEqualTo(200);
        assertThat(linearizable.body()).isEqualTo("v");
        assertThat(send("GET", "/kv/k?consistency=lease", null).statusCode()).isEqualTo(307);
        assertThat(send("GET", "/kv/k?consistency=log", null).statusCode()).isEqualTo(307);
        assertThat(send("DELETE", "/kv/k", null).statusCode()).isEqualTo(307);
        HttpResponse<String> stale = send("GET", "/kv/k?consistency=stale", null);
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo("v");
        assertThat(stale.headers().firstValue("X-Applied-Index")).hasValue("1");
    }

    @Test
    void noLeaderOrOverloadAnswers503WithRetryAfter() throws Exception {
        backend.leader = 0;
        HttpResponse<String> r = send("PUT", "/kv/k", "v");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        backend.leader = 1;
        backend.overloaded = true;
        assertThat(send("PUT", "/kv/k", "v").statusCode()).isEqualTo(503);
    }

    @Test
    void statusAndMetrics() throws Exception {
        HttpResponse<String> status = send("GET", "/status", null);
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.body()).isEqualTo("{\"id\":1,\"role\":\"leader\",\"term\":4,\"leader\":1,\"commitIndex\":0,"
                + "\"appliedIndex\":0,\"lastLogIndex\":0,\"snapshotIndex\":0,\"members\":[1,2,3]}\n");
        HttpResponse<String> metrics = send("GET", "/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
        assertThat(metrics.body()).contains("sansraft_fake_total{node=\"1\"} 1");
    }

    @Test
    void clientMistakesGetA4xxWithOneLineMessage() throws Exception {
        assertBad(send("GET", "/nope", null), 404, "no endpoint /nope");
        assertBad(send("GET", "/kv/", null), 400, "empty key");
        assertBad(send("GET", "/kv/" + "k".repeat(KvApiHandler.MAX_KEY_BYTES + 1), null), 400, "limit");
        assertThat(rawStatus("GET /kv/a%zz HTTP/1.1\r\nHost: x\r\n\r\n")).as("bad escape").isEqualTo(400);
        assertThat(rawStatus("GET /kv/a%2 HTTP/1.1\r\nHost: x\r\n\r\n")).as("cut escape").isEqualTo(400);
        assertBad(send("GET", "/kv/a?consistency=eventual", null), 400, "consistency must be");
        assertBad(send("GET", "/kv/a?color=red", null), 400, "unknown query parameter 'color'");
        assertBad(send("GET", "/kv/a?consistency=stale&consistency=lease", null), 400, "given twice");
        assertBad(send("GET", "/kv/a?junk", null), 400, "not name=value");
        assertBad(send("DELETE", "/kv/a?expect=1", null), 400, "unknown query parameter");
        assertBad(send("GET", "/status?x=1", null), 400, "no query parameters");
        HttpResponse<String> post = send("POST", "/kv/a", "v");
        assertBad(post, 405, "method not allowed");
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, PUT, DELETE");
        assertBad(send("PUT", "/status", "x"), 405, "use GET");
        assertBad(send("PUT", "/kv/a", "v", "Client-Id", "7"), 400, "go together");
        assertBad(send("PUT", "/kv/a", "v", "Client-Id", "x".repeat(129), "Request-Seq", "1"), 400,
                "Client-Id is 129 characters long, at most 128 allowed");
        assertBad(send("PUT", "/kv/a", "v", "Client-Id", "two words", "Request-Seq", "1"), 400,
                "Client-Id may hold only visible ASCII characters");
        assertBad(send("PUT", "/kv/a", "v", "Client-Id", "1", "Request-Seq", "0"), 400, "Request-Seq must be");
        assertBad(send("PUT", "/kv/a", "x".repeat(KvApiHandler.MAX_VALUE_BYTES + 1)), 413, "limit");
        assertThat(rawStatus("PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n"))
                .isEqualTo(413);
        assertThat(rawStatus("PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n"))
                .as("bad Content-Length").isBetween(400, 499);
        assertThat(rawStatus("PUT /kv/a HTTP/1.1\r\nHost: x\r\n\r\n")).as("no length").isIn(200, 411);
    }

    private static void assertBad(HttpResponse<String> r, int status, String message) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains(message).endsWith("\n");
        assertThat(r.body().indexOf('\n')).as("one line").isEqualTo(r.body().length() - 1);
    }

    private int rawStatus(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(12);
            return Integer.parseInt(new String(head, StandardCharsets.ISO_8859_1).substring(9, 12));
        }
    }

    @Test
    void uuidAndNameClientIdsAreSessionsOfTheirOwn() throws Exception {
        String uuid = "3f2c9a1e-6b7d-4e58-9a0b-1c2d3e4f5a6b";
        String[] first = {"Client-Id", uuid, "Request-Seq", "1"};
        HttpResponse<String> write = send("PUT", "/kv/u", "a", first);
        assertThat(write.statusCode()).as(write.body()).isEqualTo(200);
        assertThat(send("PUT", "/kv/u", "a", first).body()).as("retry answers the saved response")
                .isEqualTo(write.body());
        assertThat(backend.applied.get()).as("applications").isEqualTo(1);
        String name = "x".repeat(128);
        assertThat(send("PUT", "/kv/u", "b", "Client-Id", name, "Request-Seq", "1").statusCode()).isEqualTo(200);
        assertThat(backend.applied.get()).as("another id is another session").isEqualTo(2);
    }

    @Test
    void retriedWriteWithSameClientIdAndSequenceAppliesOnce() throws Exception {
        String[] session = {"Client-Id", "42", "Request-Seq", "1"};
        HttpResponse<String> first = send("PUT", "/kv/counter", "a", session);
        HttpResponse<String> retry = send("PUT", "/kv/counter", "a", session);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(backend.applied.get()).as("applications").isEqualTo(1);
        send("PUT", "/kv/counter", "b", "Client-Id", "42", "Request-Seq", "2");
        assertThat(backend.applied.get()).isEqualTo(2);
    }
}
