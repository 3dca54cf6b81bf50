package dev.sansraft.examples.cluster;

import dev.sansraft.examples.ClusterClient;
import dev.sansraft.examples.FreePorts;
import dev.sansraft.examples.Http;
import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.Poll;
import dev.sansraft.examples.server.PeerList;
import dev.sansraft.examples.server.PeerSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the {@code server} subcommand as three real processes (this test's classpath, the same main class as the
 * jar), kills the leader with SIGKILL, and checks fail-over, catch-up and a full-cluster restart over HTTP.
 */
class ServerProcessClusterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final List<String> JVM_OPTIONS = List.of("-Xmx128m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC");

    @TempDir
    Path dir;

    private Http http = new Http();
    /** Extra server flags: TLS certificates and the API token when the test runs with TLS. */
    private java.util.function.LongFunction<List<String>> security = id -> List.of();
    private String scheme = "http";
    private final Map<Long, ServerProcess> running = new TreeMap<>();
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final Consumer<String> sink = output::add;
    private PeerList peers;

    @AfterEach
    void stopAll() throws InterruptedException {
        for (ServerProcess p : running.values()) {
            p.kill();
        }
    }

    private void start(long id) {
        List<String> args = new ArrayList<>(List.of("--id", Long.toString(id), "--data",
                dir.resolve("node-" + id).toString(), "--peers", peers.toString(), "--cluster-id", "proc-test",
                "--http-threads", "2"));
        args.addAll(security.apply(id));
        try {
            running.put(id, ServerProcess.start(id, JVM_OPTIONS, args, dir, sink));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> liveUrls() {
        return LoopbackPeers.httpBaseUrls(peers, running.keySet()).stream().map(this::withScheme).toList();
    }

    private String withScheme(String httpUrl) {
        return scheme + httpUrl.substring("http".length());
    }

    private long idOf(String url) {
        return LoopbackPeers.idOf(peers, "http" + url.substring(scheme.length()));
    }

    /**
     * Turns on mutual TLS between the nodes, HTTPS and a bearer token for every server this test starts: a throwaway
     * CA and node certificates made with keytool in the temporary directory.
     */
    private void useTls() throws IOException {
        Path tls = dir.resolve("tls");
        dev.sansraft.transport.tcp.ThrowawayCa ca = dev.sansraft.transport.tcp.ThrowawayCa.create(tls, "proc-test CA",
                2);
        for (long id = 1; id <= 3; id++) {
            ca.issueNode(id);
        }
        String token = "proc-test-token-0123456789abcdef";
        Path tokenFile = dir.resolve("token");
        java.nio.file.Files.writeString(tokenFile, token + "\n");
        security = id -> List.of("--tls-cert", tls.resolve("node-" + id + ".pem").toString(),
                "--tls-key", tls.resolve("node-" + id + ".key").toString(), "--tls-ca", ca.caPem().toString(),
                "--auth-token-file", tokenFile.toString());
        scheme = "https";
        http = new Http(trusting(ca.caPem()), "Authorization", "Bearer " + token);
    }

    private static javax.net.ssl.SSLContext trusting(Path caPem) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(caPem)) {
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + caPem, e);
        }
    }

    private String log() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void killedLeaderIsReplacedAndEveryAcknowledgedWriteSurvives(boolean tls) throws Exception {
        peers = LoopbackPeers.pick(3);
        if (tls) {
            useTls();
        }
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        ClusterClient client = new ClusterClient(this::liveUrls, TIMEOUT, http);
        Map<String, String> acknowledged = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            client.put("a" + i, "v" + i);
            acknowledged.put("a" + i, "v" + i);
        }

        long oldLeader = idOf(client.leaderUrl());
        running.remove(oldLeader).kill();
        long newLeader = idOf(client.leaderUrl());
        assertThat(newLeader).as("new leader after SIGKILL of %d; log:%n%s", oldLeader, log())
                .isNotEqualTo(oldLeader);
        long lastIndex = 0;
        for (int i = 0; i < 10; i++) {
            lastIndex = client.put("b" + i, "w" + i);
            acknowledged.put("b" + i, "w" + i);
        }

        start(oldLeader);
        String oldLeaderUrl = withScheme(peers.find(oldLeader).orElseThrow().httpBaseUrl());
        long target = lastIndex;
        Poll.untilTrue(TIMEOUT, "killed node " + oldLeader + " to restart and catch up to " + target, () ->
                Http.jsonLong(http.get(oldLeaderUrl + "/status").body(), "appliedIndex") >= target);

        for (ServerProcess p : running.values()) {
            p.stop(10_000);
        }
        running.clear();
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
            assertThat(client.get(e.getKey()).body()).as("acknowledged %s after a full restart", e.getKey())
                    .isEqualTo(e.getValue());
        }
        if (tls) {
            String url = client.leaderUrl() + "/kv/a0";
            Http noToken = new Http(trusting(dir.resolve("tls").resolve("ca.pem")));
            assertThat(noToken.get(url).statusCode()).as("no token").isEqualTo(401);
            assertThat(noToken.send("GET", url, null, "Authorization", "Bearer wrong-token-0123456789").statusCode())
                    .as("wrong token").isEqualTo(401);
            assertThat(noToken.get(client.leaderUrl() + "/status").statusCode()).as("status is open").isEqualTo(200);
            // The live page's fan-out calls each member's /status over HTTPS: it must trust the cluster CA too.
            String leaderUrl = client.leaderUrl();
            String fanOut = Poll.until(TIMEOUT, "GET /cluster/status reaches all three members over HTTPS", () -> {
                String body = http.get(leaderUrl + "/cluster/status").body();
                return body.split("\"ok\":true", -1).length - 1 == 3 ? body : null;
            });
            assertThat(fanOut).contains("\"url\":\"https://");
            assertThat(http.get(url).statusCode()).as("right token").isEqualTo(200);
            assertThat(log()).as("nodes speak mutual TLS").contains("mutual TLSv1.3");
        }
    }

    @Test
    void refusesADataDirectoryOfAnotherNode() throws Exception {
        int[] ports = FreePorts.pick(2);
        peers = PeerList.of(List.of(new PeerSpec(1, "127.0.0.1", ports[0], ports[1]),
                new PeerSpec(2, "127.0.0.1", ports[0] + 1, ports[1] + 1)));
        new dev.sansraft.examples.server.NodeIdentity("proc-test", 2).claim(dir.resolve("node-1"), "log");
        start(1);
        ServerProcess p = running.remove(1L);
        assertThat(p.process().waitFor(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.process().exitValue()).as(log()).isEqualTo(3);
        Poll.untilTrue(TIMEOUT, "the refusal message", () -> log().contains("belongs to node 2"));
    }
}
