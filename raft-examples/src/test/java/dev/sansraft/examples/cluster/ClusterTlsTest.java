package dev.sansraft.examples.cluster;

import dev.sansraft.examples.LoopbackPeers;
import dev.sansraft.examples.server.PeerList;
import dev.sansraft.transport.tcp.TransportTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cluster --tls}: certificates under DIR/tls that the server accepts, and curl lines with --cacert. */
class ClusterTlsTest {

    @TempDir
    Path dir;

    @Test
    void generatesUsableCertificatesAndPrintsCurlWithTheCa() throws Exception {
        Path tlsDir = dir.resolve("tls");
        Files.createDirectories(tlsDir);
        Files.writeString(tlsDir.resolve("ca.pem"), "left over from an earlier run");
        Files.writeString(tlsDir.resolve("keep-me.txt"), "not ours");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ClusterTls tls = ClusterTls.generate(tlsDir, 2, new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(tls.caPem()).isEqualTo(dir.resolve("tls").resolve("ca.pem"));
        assertThat(Files.readString(tls.caPem())).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(tlsDir.resolve("keep-me.txt")).as("only generated files are replaced").exists();
        for (long id = 1; id <= 2; id++) {
            var args = tls.serverArgs(id);
            TransportTls node = TransportTls.fromPem(Path.of(args.get(1)), Path.of(args.get(3)),
                    Path.of(args.get(5)));
            assertThat(node.context().getProtocol()).isEqualTo("TLSv1.3");
        }

        PeerList peers = LoopbackPeers.pick(2);
        String banner = ClusterCommand.banner(peers, dir, tls);
        String https = "https://127.0.0.1:" + peers.find(1).orElseThrow().httpPort();
        assertThat(banner).contains("curl --cacert " + tls.caPem() + " -L -X PUT --data-binary hello " + https
                + "/kv/greeting").contains("(mutual TLS)");
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("keytool");
    }
}
