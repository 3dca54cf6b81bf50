package dev.sansraft.examples.server;

import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.transport.tcp.ThrowawayCa;
import dev.sansraft.transport.tcp.TransportTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code server} command's certificate rotation: after its {@code --tls-*} files are replaced, the next poll
 * loads them, and new connections to the raft port and to the HTTPS port get the new certificate, without a restart.
 * The test calls the poll itself instead of waiting for its timer.
 */
@Timeout(120)
class CertificateRotationTest {

    @TempDir
    Path dir;

    @Test
    void rotatedFilesReachNewRaftAndHttpsConnectionsAtTheNextPoll() throws Exception {
        ThrowawayCa ca = ThrowawayCa.create(dir.resolve("tls"), "rotation CA", 2);
        ThrowawayCa.Issued first = ca.issueNode(1);
        Path chain = dir.resolve("node-1.pem");
        Path key = dir.resolve("node-1.key");
        install(first, chain, key);
        BigInteger firstSerial = serialIn(chain);
        // Node 2's certificate is the client certificate the raft port demands before it shows its own.
        SSLContext client = clientContext(ca.issueNode(2), ca.caPem());

        ServerSecurity security = new ServerSecurity(TransportTls.fromPem(chain, key, ca.caPem()), null,
                Duration.ofHours(1));
        PeerList peers = LoopbackPeers.pick(1);
        NodeSettings settings = new NodeSettings(new NodeIdentity("rotation", 1), dir.resolve("node-1"), peers, 1);
        PeerSpec self = peers.find(1).orElseThrow();
        try (NodeServer server = NodeServer.start(settings, security)) {
            assertThat(servedSerial(client, self.raftAddress())).as("raft port before").isEqualTo(firstSerial);
            assertThat(servedSerial(client, self.httpAddress())).as("HTTPS port before").isEqualTo(firstSerial);
            assertThat(server.certificatePoll().pollOnce()).as("nothing changed yet").isFalse();

            install(ca.issue("node-1-next", "CN=node-1", null, 30), chain, key);
            BigInteger nextSerial = serialIn(chain);
            assertThat(nextSerial).isNotEqualTo(firstSerial);
            assertThat(server.certificatePoll().pollOnce()).as("the poll sees the new files").isTrue();

            assertThat(servedSerial(client, self.raftAddress())).as("raft port after").isEqualTo(nextSerial);
            assertThat(servedSerial(client, self.httpAddress())).as("HTTPS port after").isEqualTo(nextSerial);

            Files.writeString(key, "half-written");
            assertThat(server.certificatePoll().pollOnce()).as("unusable files are not loaded").isFalse();
            assertThat(servedSerial(client, self.httpAddress())).as("the last good certificate stays")
                    .isEqualTo(nextSerial);
        }
    }

    private static void install(ThrowawayCa.Issued issued, Path chain, Path key) throws Exception {
        Files.copy(issued.certificateChain(), chain, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(issued.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);
    }

    private static BigInteger serialIn(Path chain) throws Exception {
        try (var in = Files.newInputStream(chain)) {
            return ((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in)).getSerialNumber();
        }
    }

    /** A TLS client presenting {@code own} and trusting {@code caPem}. */
    private static SSLContext clientContext(ThrowawayCa.Issued own, Path caPem) {
        return TransportTls.fromPem(own.certificateChain(), own.privateKey(), caPem).context();
    }

    /** Opens a new TLS connection to {@code address} and returns the serial of the certificate it is shown. */
    private static BigInteger servedSerial(SSLContext client, InetSocketAddress address) throws Exception {
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(address.getHostString(),
                address.getPort())) {
            socket.setSoTimeout(30_000);
            socket.setEnabledProtocols(new String[]{"TLSv1.3"});
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
