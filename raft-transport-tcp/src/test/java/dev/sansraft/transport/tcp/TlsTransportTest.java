package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.Message.InstallSnapshot;
import dev.sansraft.core.SnapshotInfo;
import dev.sansraft.transport.tcp.Loopback.Inbox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.channels.ServerSocketChannel;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mutual TLS between transports: traffic of every size, certificate naming, PEM errors and rotation. */
@Timeout(120)
class TlsTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private static TlsCertificates certs;

    @BeforeAll
    static void generateCertificates() {
        certs = TlsCertificates.generate(dir);
    }

    @Test
    void messagesOfEveryTypeAndSizeFlowBothWaysInOrderOverTls() {
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        Inbox inbox2 = new Inbox();
        try (TcpTransport t1 = Loopback.builder(1, l1).tls(certs.tls(certs.node1)).peer(2, Loopback.address(l2))
                .build();
             TcpTransport t2 = Loopback.builder(2, l2).tls(certs.tls(certs.node2)).peer(1, Loopback.address(l1))
                     .build()) {
            t1.start(inbox1);
            t2.start(inbox2);
            RandomMessages random = new RandomMessages(7);
            List<Message> to2 = new ArrayList<>();
            List<Message> to1 = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                Message a = random.next(1, 2);
                Message b = random.next(2, 1);
                to2.add(a);
                to1.add(b);
                t1.send(a);
                t2.send(b);
            }
            // Frames far larger than a TLS record and than the read buffer: 1 MiB snapshot chunks.
            byte[] chunk = new byte[1 << 20];
            new SplittableRandom(3).nextBytes(chunk);
            SnapshotInfo snapshot = new SnapshotInfo(100, 2, List.of(1L, 2L), Long.MAX_VALUE / 2, 0);
            for (int i = 0; i < 6; i++) {
                Message m = new InstallSnapshot(1, 2, 3, snapshot, (long) i << 20, chunk.clone());
                to2.add(m);
                Poll.until(() -> t1.counters().queuedMessages() < 4, WAIT, () -> "chunk queue drains");
                t1.send(m);
            }
            Poll.until(() -> inbox1.size() == to1.size() && inbox2.size() == to2.size(), WAIT,
                    () -> "all delivered: " + t1.counters() + " " + t2.counters());
            assertThat(WireContent.of(inbox2.all())).as("node 2 receives node 1's messages, in order")
                    .isEqualTo(WireContent.of(to2));
            assertThat(WireContent.of(inbox1.all())).as("node 1 receives node 2's messages, in order")
                    .isEqualTo(WireContent.of(to1));
            assertThat(t1.isTls()).isTrue();
            assertThat(t1.counters().messagesDropped()).isZero();
            assertThat(t1.counters().handshakesRefused()).isZero();
            assertThat(t2.counters().handshakesRefused()).isZero();
        }
    }

    @Test
    void nodesNegotiateAes128GcmThoughTheJdkListsAes256First() throws Exception {
        SSLEngine dialing = certs.tls(certs.node1).newEngine(true);
        SSLEngine accepting = certs.tls(certs.node2).newEngine(false);
        assertThat(dialing.getEnabledCipherSuites()).as("suites offered by the dialing side")
                .startsWith(TransportTls.PREFERRED_SUITE);
        InMemoryHandshake.run(dialing, accepting);
        assertThat(accepting.getSession().getCipherSuite()).isEqualTo(TransportTls.PREFERRED_SUITE);
        assertThat(dialing.getSession().getProtocol()).isEqualTo(TransportTls.PROTOCOL);
        assertThat(accepting.getNeedClientAuth()).as("the accepting side requires a client certificate").isTrue();
    }

    @Test
    void preferringASuiteKeepsTheOthersInOrderAndAddsNone() {
        assertThat(TransportTls.preferredFirst(new String[]{"A", TransportTls.PREFERRED_SUITE, "B"}))
                .containsExactly(TransportTls.PREFERRED_SUITE, "A", "B");
        assertThat(TransportTls.preferredFirst(new String[]{"A", "B"})).containsExactly("A", "B");
    }

    @Test
    void nodeIdIsTheCommonNameOfTheCertificate() {
        X509Certificate node3 = Pem.certificates(certs.node3.certificateChain()).get(0);
        assertThat(TransportTls.nodeIdOf(node3)).isEqualTo(3);
        X509Certificate ca = Pem.certificates(certs.ca.caPem()).get(0);
        assertThatThrownBy(() -> TransportTls.nodeIdOf(ca)).isInstanceOf(TlsConfigException.class)
                .hasMessageContaining("CN must be node-<id>");
    }

    @Test
    void builderRefusesACertificateOfAnotherNode() {
        ServerSocketChannel l1 = Loopback.bind();
        assertThatThrownBy(() -> Loopback.builder(1, l1).tls(certs.tls(certs.node2)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("certificate names node 2 but this is node 1");
        EventLoop.closeQuietly(l1);
    }

    @Test
    void unusablePemFilesAreReportedWithTheirName() throws IOException {
        Path notAKey = dir.resolve("not-a-key.pem");
        Files.writeString(notAKey, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TransportTls.fromPem(certs.node1.certificateChain(), notAKey, certs.ca.caPem()))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageContaining(notAKey.toString()).hasMessageContaining("PKCS#1/SEC1");
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> TransportTls.fromPem(missing, certs.node1.privateKey(), certs.ca.caPem()))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining(missing.toString());
    }

    @Test
    void reloadTakesNewCertificatesForNewConnectionsWithoutRestart() throws IOException {
        // Node 1 starts trusting only the wrong CA, so node 2 cannot get in; fixing the file and reloading lets it.
        Path trust = dir.resolve("node-1-trust.pem");
        Files.copy(certs.otherCa.caPem(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TransportTls tls1 = TransportTls.fromPem(certs.node1.certificateChain(), certs.node1.privateKey(), trust);
        ServerSocketChannel l1 = Loopback.bind();
        ServerSocketChannel l2 = Loopback.bind();
        Inbox inbox1 = new Inbox();
        ConcurrentLinkedQueue<ConnectionRefusal> refusals = new ConcurrentLinkedQueue<>();
        try (TcpTransport t1 = Loopback.builder(1, l1).tls(tls1).refusalListener(refusals::add)
                .peer(2, Loopback.address(l2)).build();
             TcpTransport t2 = Loopback.builder(2, l2).tls(certs.tls(certs.node2)).refusalListener(refusals::add)
                     .peer(1, Loopback.address(l1)).build()) {
            t1.start(inbox1);
            t2.start(m -> { });
            t2.send(Loopback.heartbeat(2, 1, 1));
            Poll.until(() -> !refusals.isEmpty(), WAIT, () -> "node 1 refuses node 2 signed by an untrusted CA");
            assertThat(inbox1.size()).isZero();

            Files.copy(certs.ca.caPem(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            tls1.reload();
            refusals.clear();
            Poll.until(() -> inbox1.size() > 0, WAIT, () -> "node 2 gets through after the reload: "
                    + t2.counters() + " " + refusals.peek());
            assertThat(inbox1.roundsFrom(2)).contains(1L);
        }
    }

    @Test
    void followingContextServesTheCertificateOfTheLatestReload() throws Exception {
        Rotating files = new Rotating("following");
        TransportTls served = files.tls();
        SSLContext following = served.followingContext();
        assertThat(servedSerial(following)).isEqualTo(files.serial);

        files.rotate();
        served.reload();
        assertThat(served.followingContext()).as("one following context per settings").isSameAs(following);
        assertThat(servedSerial(following)).as("a new engine after the reload").isEqualTo(files.serial);
        assertThatThrownBy(() -> following.init(null, null, null)).hasMessageContaining("reload or update");
    }

    @Test
    void reloadIfChangedLoadsOnlyChangedContentAndTriesBrokenContentOnce() throws Exception {
        Rotating files = new Rotating("polled");
        TransportTls tls = files.tls();
        SSLContext first = tls.context();
        assertThat(tls.reloadIfChanged()).as("files as loaded").isFalse();
        assertThat(tls.context()).isSameAs(first);

        files.rotate();
        assertThat(tls.reloadIfChanged()).as("a new certificate and key").isTrue();
        assertThat(servedSerial(tls.context())).isEqualTo(files.serial);
        assertThat(tls.reloadIfChanged()).as("nothing new since").isFalse();

        SSLContext second = tls.context();
        Files.writeString(files.key, "half-written");
        assertThatThrownBy(tls::reloadIfChanged).isInstanceOf(TlsConfigException.class)
                .hasMessageContaining(files.key.toString());
        assertThat(tls.context()).as("kept after the failure").isSameAs(second);
        assertThat(tls.reloadIfChanged()).as("the same broken content is not tried again").isFalse();
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateIsRefusedAtLoadAndAtReload() throws IOException {
        assertThatThrownBy(() -> TransportTls.fromPem(certs.node1.certificateChain(), certs.node2.privateKey(),
                certs.ca.caPem())).isInstanceOf(TlsConfigException.class)
                .hasMessageContaining("does not match the certificate");
        // A rotation caught halfway: the new certificate is written, its key not yet.
        Rotating files = new Rotating("halfway");
        TransportTls tls = files.tls();
        SSLContext before = tls.context();
        Files.copy(certs.ca.issue("halfway-next", "CN=node-1", null, 30).certificateChain(), files.chain,
                StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(tls::reloadIfChanged).isInstanceOf(TlsConfigException.class)
                .hasMessageContaining(files.key.toString());
        assertThat(tls.context()).as("the matching pair stays").isSameAs(before);
    }

    @Test
    void reloadRefusesACertificateNamingAnotherNode() throws IOException {
        Rotating files = new Rotating("renamed");
        TransportTls tls = files.tls();
        SSLContext before = tls.context();
        Files.copy(certs.node3.certificateChain(), files.chain, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(certs.node3.privateKey(), files.key, StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(tls::reload).isInstanceOf(TlsConfigException.class)
                .hasMessageContaining("names node 3, but this node is 1");
        assertThat(tls.context()).isSameAs(before);
    }

    /** Node 1's certificate and key in files of their own, which {@link #rotate} replaces with a fresh pair. */
    private static final class Rotating {
        final String name;
        final Path chain;
        final Path key;
        BigInteger serial;
        int rotations;

        Rotating(String name) throws IOException {
            this.name = name;
            chain = dir.resolve(name + ".pem");
            key = dir.resolve(name + ".key");
            copy(certs.node1);
        }

        TransportTls tls() {
            return TransportTls.fromPem(chain, key, certs.ca.caPem());
        }

        void rotate() throws IOException {
            rotations++;
            copy(certs.ca.issue(name + "-rotation-" + rotations, "CN=node-1", null, 30));
        }

        private void copy(ThrowawayCa.Issued issued) throws IOException {
            Files.copy(issued.certificateChain(), chain, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(issued.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);
            serial = Pem.certificates(chain).get(0).getSerialNumber();
        }
    }

    /** Handshakes a node-2 client with a server engine of {@code server}; returns the serial of what it saw. */
    private static BigInteger servedSerial(SSLContext server) throws Exception {
        SSLEngine accepting = server.createSSLEngine();
        accepting.setUseClientMode(false);
        SSLEngine dialing = certs.tls(certs.node2).newEngine(true);
        InMemoryHandshake.run(dialing, accepting);
        return ((X509Certificate) dialing.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    @Test
    void failedReloadKeepsThePreviousContext() throws IOException {
        Path key = dir.resolve("rotating.key");
        Files.copy(certs.node1.privateKey(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TransportTls tls = TransportTls.fromPem(certs.node1.certificateChain(), key, certs.ca.caPem());
        var before = tls.context();
        Files.writeString(key, "half-written");
        assertThatThrownBy(tls::reload).isInstanceOf(TlsConfigException.class).hasMessageContaining(key.toString());
        assertThat(tls.context()).isSameAs(before);
    }
}
