package dev.sansraft.examples.http;

import dev.sansraft.examples.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --auth-token-file}: 401 without the token or with a wrong one, 200 with it; status and metrics stay open. */
class BearerTokenTest {

    private static final String TOKEN = "s3cret-token-0123456789abcdef";

    private final FakeBackend backend = new FakeBackend();
    private final Http http = new Http();
    private KvHttpServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        server = KvHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backend, Map.of(), 2,
                new HttpSecurity(null, TOKEN));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void writeWithoutTokenIs401WithAMessageAndAppliesNothing() {
        HttpResponse<String> r = http.put(base + "/kv/a", "v");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("missing 'Authorization: Bearer <token>' header").endsWith("\n");
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(backend.applied.get()).as("nothing applied").isZero();
    }

    @Test
    void wrongTokenIs401() {
        HttpResponse<String> r = http.put(base + "/kv/a", "v", "Authorization", "Bearer " + TOKEN + "x");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("wrong bearer token");
        assertThat(http.get(base + "/kv/a").statusCode()).as("reads need it too").isEqualTo(401);
        assertThat(http.send("GET", base + "/kv/a", null, "Authorization", "Basic " + TOKEN).statusCode())
                .as("another scheme").isEqualTo(401);
        assertThat(backend.applied.get()).isZero();
    }

    @Test
    void rightTokenIs200() {
        HttpResponse<String> r = http.put(base + "/kv/a", "v", "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(http.send("GET", base + "/kv/a", null, "Authorization", "bearer " + TOKEN).statusCode())
                .as("the scheme name is case-insensitive").isEqualTo(200);
        assertThat(backend.applied.get()).isEqualTo(1);
    }

    @Test
    void statusAndMetricsNeedNoToken() {
        assertThat(http.get(base + "/status").statusCode()).isEqualTo(200);
        assertThat(http.get(base + "/metrics").statusCode()).isEqualTo(200);
        assertThat(http.put(base + "/status", "x").statusCode()).as("only GET is open").isEqualTo(401);
    }

    @Test
    void comparisonIsByDigestSoEveryLengthIsRefused() {
        BearerTokenFilter filter = new BearerTokenFilter(TOKEN);
        assertThat(filter.isAuthorized("Bearer " + TOKEN)).isTrue();
        assertThat(filter.isAuthorized("Bearer " + TOKEN.substring(1))).isFalse();
        assertThat(filter.isAuthorized("Bearer ")).isFalse();
        assertThat(filter.isAuthorized(TOKEN)).as("no scheme").isFalse();
        assertThat(filter.isAuthorized(null)).isFalse();
    }
}
