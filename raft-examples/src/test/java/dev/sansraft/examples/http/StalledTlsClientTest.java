package dev.sansraft.examples.http;

import dev.sansraft.examples.Http;
import dev.sansraft.transport.tcp.ThrowawayCa;
import dev.sansraft.transport.tcp.TransportTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JDK's {@code HttpsServer} runs TLS handshakes in blocking mode on its executor: clients that start a handshake
 * and then go quiet (slow, far away, or hostile) each hold a thread. They must not hold every thread that serves the
 * API, which with the handler pool alone (one thread here, four by default) they did.
 */
@Timeout(120)
class StalledTlsClientTest {

    /** A TLS record header announcing a 512-byte handshake message that never comes. */
    private static final byte[] PARTIAL_CLIENT_HELLO = {0x16, 0x03, 0x01, 0x02, 0x00};
    private static final int STALLED_CLIENTS = 8;

    @TempDir
    Path dir;

    @Test
    void clientsStalledMidHandshakeDoNotBlockOtherHttpsClients() throws Exception {
        ThrowawayCa ca = ThrowawayCa.create(dir, "stall CA", 2);
        ThrowawayCa.Issued server = ca.issueNode(1);
        TransportTls tls = TransportTls.fromPem(server.certificateChain(), server.privateKey(), ca.caPem());
        List<Socket> stalled = new ArrayList<>();
        try (KvHttpServer http = KvHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new FakeBackend(), Map.of(), 1, new HttpSecurity(tls.context(), null))) {
            for (int i = 0; i < STALLED_CLIENTS; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), http.port());
                stalled.add(s);
                OutputStream out = s.getOutputStream();
                out.write(PARTIAL_CLIENT_HELLO);
                out.flush();
            }
            ThrowawayCa.Issued client = ca.issueNode(2);
            Http https = new Http(TransportTls.fromPem(client.certificateChain(), client.privateKey(), ca.caPem())
                    .context());
            HttpResponse<String> status = https.get("https://localhost:" + http.port() + "/status");
            assertThat(status.statusCode()).as("with %d clients stalled mid-handshake", STALLED_CLIENTS)
                    .isEqualTo(200);
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }
}
