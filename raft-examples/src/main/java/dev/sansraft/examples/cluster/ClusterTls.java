package dev.sansraft.examples.cluster;

import dev.sansraft.transport.tcp.ThrowawayCa;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The certificates of a local {@code cluster --tls}: a throwaway CA ({@code DIR/tls/ca.pem}) and one certificate per
 * node ({@code DIR/tls/node-<id>.pem} and {@code .key}, {@code CN=node-<id>}, valid for 127.0.0.1 and localhost),
 * generated anew on every start with the JDK's keytool. Immutable once generated.
 */
final class ClusterTls {

    private static final int CA_VALIDITY_DAYS = 365;

    private final Path dir;

    private ClusterTls(Path dir) {
        this.dir = dir;
    }

    /** Replaces whatever an earlier run left in {@code dir} with a new CA and {@code nodes} node certificates. */
    static ClusterTls generate(Path dir, int nodes, PrintStream out) {
        clearOldFiles(dir);
        out.println("[cluster] generating a throwaway CA and " + nodes + " node certificates in " + dir
                + " with keytool");
        ThrowawayCa ca = ThrowawayCa.create(dir, "sansraft local cluster CA", CA_VALIDITY_DAYS);
        for (int i = 1; i <= nodes; i++) {
            ca.issueNode(i);
        }
        return new ClusterTls(dir);
    }

    Path dir() {
        return dir;
    }

    Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** The {@code server} flags that give node {@code id} its certificate. */
    List<String> serverArgs(long id) {
        return List.of("--tls-cert", dir.resolve("node-" + id + ".pem").toString(),
                "--tls-key", dir.resolve("node-" + id + ".key").toString(),
                "--tls-ca", caPem().toString());
    }

    /** Deletes the files a previous {@code cluster --tls} generated, and nothing else. */
    private static void clearOldFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.startsWith("ca.") || name.startsWith("node-")) {
                    Files.delete(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the old certificates in " + dir, e);
        }
    }
}
