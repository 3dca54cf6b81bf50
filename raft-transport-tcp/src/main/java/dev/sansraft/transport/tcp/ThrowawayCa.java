package dev.sansraft.transport.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority for tests and local clusters, made with the JDK's own {@code keytool} (run as a
 * subprocess from the running JDK's {@code bin} directory), so no dependency is needed. Not for production: the CA's
 * key sits next to the certificates (its keystore password is stored beside it in plain text), and every
 * certificate it issues is for the local host.
 *
 * <p>Layout of its directory: {@code ca.pem} (the CA certificate, the bundle every node trusts), {@code ca.p12} and
 * {@code ca.password} (the CA's keystore), and per issued certificate {@code <name>.pem} (the certificate followed by
 * the CA certificate), {@code <name>.key} (its unencrypted PKCS#8 private key) and {@code <name>.p12} (the keystore it
 * was generated in). Node certificates have the subject {@code CN=node-<id>} (see {@link TransportTls#nodeIdOf}),
 * the subject alternative names {@code IP:127.0.0.1} and {@code DNS:localhost} (so HTTPS clients on this host accept
 * them), and both server and client extended key usage. Keys are EC P-256.
 *
 * <p>Thread-safety: not thread-safe; each call runs keytool processes one after another.
 */
public final class ThrowawayCa {

    /** A certificate chain file and its private key file, as {@link TransportTls#fromPem} wants them. */
    public record Issued(Path certificateChain, Path privateKey) {
    }

    private static final long KEYTOOL_TIMEOUT_SECONDS = 120;

    private final Path dir;
    private final String password;

    private ThrowawayCa(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /**
     * Creates a CA named {@code name} (its subject CN) in {@code dir}, which is created if absent; valid for
     * {@code validityDays}.
     *
     * @param dir the directory for the CA and everything it issues; created if absent
     * @param name the CA's subject CN
     * @param validityDays how many days the CA certificate is valid; positive
     * @return the CA, its key and certificate written to {@code dir}
     * @throws IllegalStateException if keytool fails, with its output
     */
    public static ThrowawayCa create(Path dir, String name, int validityDays) {
        Objects.requireNonNull(dir, "directory");
        if (validityDays < 1) {
            throw new IllegalArgumentException("validityDays must be positive, got " + validityDays);
        }
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        ThrowawayCa ca = new ThrowawayCa(dir, HexFormat.of().formatHex(secret));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("ca.password"), ca.password);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the CA into " + dir + ": " + e, e);
        }
        ca.keytool("-genkeypair", "-keystore", "ca.p12", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + name, "-ext", "bc:c", "-validity", String.valueOf(validityDays));
        ca.keytool("-exportcert", "-rfc", "-keystore", "ca.p12", "-alias", "ca", "-file", "ca.pem");
        return ca;
    }

    /** {@return the CA certificate's PEM file: the bundle to trust} */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    /**
     * Issues {@code CN=node-<nodeId>} into {@code node-<nodeId>.pem} and {@code .key}, valid for the next 30 days.
     *
     * @param nodeId the node id the certificate names; positive
     * @return the written chain and key files
     */
    public Issued issueNode(long nodeId) {
        return issue("node-" + nodeId, "CN=node-" + nodeId, null, 30);
    }

    /**
     * Issues a certificate with subject {@code dname} into {@code <name>.pem} and {@code <name>.key}.
     *
     * @param name the base file name of the chain and key files
     * @param dname the certificate's subject distinguished name, such as {@code CN=node-1}
     * @param startDate    null for now, else keytool's relative form such as {@code -3d} (three days ago)
     * @param validityDays how long it is valid from its start
     * @return the written chain and key files
     */
    public Issued issue(String name, String dname, String startDate, int validityDays) {
        String keystore = name + ".p12";
        String csr = name + ".csr";
        keytool("-genkeypair", "-keystore", keystore, "-alias", "key", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", dname);
        keytool("-certreq", "-keystore", keystore, "-alias", "key", "-file", csr);
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-keystore", "ca.p12", "-alias", "ca",
                "-infile", csr, "-outfile", name + ".crt", "-validity", String.valueOf(validityDays),
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "ku:c=digitalSignature",
                "-ext", "eku=serverAuth,clientAuth"));
        if (startDate != null) {
            sign.add("-startdate");
            sign.add(startDate);
        }
        keytool(sign.toArray(new String[0]));
        Path chain = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + ".key");
        try {
            Files.writeString(chain, Files.readString(dir.resolve(name + ".crt")) + Files.readString(caPem()));
            Files.writeString(key, Pem.encode("PRIVATE KEY", privateKey(dir.resolve(keystore)).getEncoded()));
            Files.delete(dir.resolve(csr));
            Files.delete(dir.resolve(name + ".crt"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the certificate files of " + name + " into " + dir + ": "
                    + e, e);
        }
        return new Issued(chain, key);
    }

    private PrivateKey privateKey(Path keystore) {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            Key key = store.getKey("key", password.toCharArray());
            if (!(key instanceof PrivateKey)) {
                throw new IllegalStateException("keystore " + keystore + " holds no private key under alias 'key'");
            }
            return (PrivateKey) key;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key generated into " + keystore + ": " + e, e);
        }
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(keytoolPath().toString());
        // keytool is a JVM: start it lean, it runs for well under a second of CPU.
        command.add("-J-XX:TieredStopAtLevel=1");
        command.add("-J-XX:+UseSerialGC");
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", password, "-noprompt"));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e, e);
        }
        try {
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " did not finish in "
                        + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed with exit code "
                        + process.exitValue() + ": " + new String(output, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("keytool " + args[0] + " failed: " + e, e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while keytool " + args[0] + " ran", e);
        }
    }

    /** The keytool of the running JDK, else the one under {@code $JAVA_HOME}. */
    static Path keytoolPath() {
        String exe = System.getProperty("os.name", "").startsWith("Windows") ? "keytool.exe" : "keytool";
        Path own = Path.of(System.getProperty("java.home"), "bin", exe);
        if (Files.isExecutable(own)) {
            return own;
        }
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && Files.isExecutable(Path.of(javaHome, "bin", exe))) {
            return Path.of(javaHome, "bin", exe);
        }
        throw new IllegalStateException("no keytool in " + own.getParent() + " nor under $JAVA_HOME=" + javaHome
                + "; it ships with every JDK (a JRE-only image lacks it)");
    }
}
