package dev.sansraft.transport.tcp;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The TLS settings of a {@link TcpTransport}: mutual TLS 1.3 between the nodes of a cluster.
 *
 * <p>Identity: every node presents a certificate whose subject common name (CN) is {@code node-<id>}, the node id in
 * decimal, for example {@code CN=node-2}; see {@link #nodeIdOf}. The CN was chosen over a subject alternative name
 * because every tool (keytool, openssl, cfssl) sets it with one flag, and the SANs stay free for the host names
 * HTTPS clients check. The accepting side requires a client certificate and checks three things before any message
 * is taken: the chain leads to a trusted CA (the trust manager's job, expiry included), the certificate's node id
 * equals the node id the peer claims in its handshake frame, and that node is a member (a configured peer). The
 * dialing side checks that the certificate of the node it dialed names that node. Host names are not checked between
 * nodes: the node id in the certificate is what identifies a peer.
 *
 * <p>Sources: {@link #of(SSLContext)} for embedders with their own key and trust managers, or {@link #fromPem} for a
 * certificate chain, an unencrypted PKCS#8 private key and a CA bundle in PEM files. The context must offer TLS 1.3;
 * the engines this class creates enable TLS 1.3 only.
 *
 * <p>Rotation: the context can be swapped at run time, without a restart. {@link #reload()} re-reads the PEM files
 * (after they were replaced, for example by a certificate agent), {@link #reloadIfChanged()} does so only when their
 * content changed (for a caller that polls them), and {@link #update} installs a context built by the caller. All
 * affect connections opened afterwards; established connections keep the session they negotiated until they close.
 * To make every connection use the new certificate soon, the caller can restart the transport, or simply let a
 * rotation overlap the old certificate's validity by more than the connections' lifetime. A reload that fails (a
 * half-written file, a key that does not match, a certificate naming another node) throws and keeps the previous
 * context. {@link #followingContext()} lends the rotation to HTTPS servers and clients built on an
 * {@code SSLContext}.
 *
 * <p>Thread-safe: the current context is published through a volatile field; reloads are serialised, and they and
 * {@link #update} may be called from any thread while the transport runs.
 */
public final class TransportTls {

    /** The only protocol enabled between nodes. */
    public static final String PROTOCOL = "TLSv1.3";
    /**
     * The cipher suite both sides prefer. JDK 17 lists {@code TLS_AES_256_GCM_SHA384} first; AES-128-GCM is the suite
     * TLS 1.3 makes mandatory to implement (RFC 8446 §9.1), keeps a 128-bit security level, and costs about a fifth
     * less CPU per byte (measured with {@code TlsEngineBench}: 3.6 against 2.8 GB per CPU-second), which matters for
     * snapshot chunks. Suites the context does not enable are never added.
     */
    static final String PREFERRED_SUITE = "TLS_AES_128_GCM_SHA256";
    private static final String CN_PREFIX = "node-";
    private static final char[] IN_MEMORY_PASSWORD = new char[0];

    private final Path certificateChain;
    private final Path privateKey;
    private final Path caBundle;
    private volatile SSLContext context;
    /** Built after {@link #context} is set: it reads the provider and protocol of the first context. */
    private final SSLContext following;

    /** The node id the PEM certificate names (a reload must keep it); 0 for settings from an SSLContext. */
    private final long certifiedNodeId;
    /** SHA-256 over the PEM files' bytes as last loaded or last tried; null for settings from an SSLContext. */
    private byte[] filesDigest;

    private TransportTls(SSLContext context, Path certificateChain, Path privateKey, Path caBundle,
                         long certifiedNodeId, byte[] filesDigest) {
        this.context = context;
        this.certificateChain = certificateChain;
        this.privateKey = privateKey;
        this.caBundle = caBundle;
        this.certifiedNodeId = certifiedNodeId;
        this.filesDigest = filesDigest;
        this.following = new FollowingSslContext(() -> this.context);
    }

    /**
     * TLS with a context the caller built, which must support TLS 1.3 and hold this node's key and certificate.
     *
     * @param context a TLS 1.3 context holding this node's key and certificate; not null
     * @return TLS settings that always use {@code context} until {@link #update}
     */
    public static TransportTls of(SSLContext context) {
        return new TransportTls(checkProtocol(Objects.requireNonNull(context, "SSL context")), null, null, null, 0,
                null);
    }

    /**
     * TLS with the caller's key managers (this node's certificate) and trust managers (the cluster CA).
     *
     * @param keyManagers key managers presenting this node's certificate; not null
     * @param trustManagers trust managers that accept the cluster CA; not null
     * @return TLS settings backed by a TLS 1.3 context built from both
     */
    public static TransportTls of(KeyManager[] keyManagers, TrustManager[] trustManagers) {
        Objects.requireNonNull(keyManagers, "key managers");
        Objects.requireNonNull(trustManagers, "trust managers");
        try {
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(keyManagers, trustManagers, null);
            return of(context);
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("cannot build a " + PROTOCOL + " context: " + e.getMessage(), e);
        }
    }

    /**
     * TLS from PEM files, read now and again on every {@link #reload()}.
     *
     * @param certificateChain this node's certificate first, then any intermediates
     * @param privateKey       the certificate's private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
     * @param caBundle         the CA certificates a peer's chain must lead to
     * @return TLS settings that {@link #reload()} can refresh from the same files
     * @throws TlsConfigException naming the file and the problem
     */
    public static TransportTls fromPem(Path certificateChain, Path privateKey, Path caBundle) {
        Objects.requireNonNull(certificateChain, "certificate chain file");
        Objects.requireNonNull(privateKey, "private key file");
        Objects.requireNonNull(caBundle, "CA bundle file");
        byte[] digest = digest(certificateChain, privateKey, caBundle);
        SSLContext context = loadPem(certificateChain, privateKey, caBundle);
        return new TransportTls(context, certificateChain, privateKey, caBundle,
                nodeIdOf(Pem.certificates(certificateChain).get(0)), digest);
    }

    /**
     * Re-reads the PEM files given to {@link #fromPem}; connections opened afterwards use them.
     *
     * @throws TlsConfigException    if a file cannot be used, or the new certificate names another node; the
     *                               previous context stays in force
     * @throws IllegalStateException if this instance was not built from PEM files (use {@link #update})
     */
    public synchronized void reload() {
        requireFiles();
        byte[] digest = digest(certificateChain, privateKey, caBundle);
        load();
        filesDigest = digest;
    }

    /**
     * Reloads the PEM files if their content differs from what was last loaded or tried, for a caller that polls
     * them (for example every ten seconds) while a certificate agent rotates them in place or by renaming. Content
     * that failed to load is not tried again until it changes, so a half-written file costs one failure.
     *
     * @return true if the files changed and were loaded, false if they are as before
     * @throws TlsConfigException    if a file cannot be read (it is tried again next time), or the changed files
     *                               cannot be used; the previous context stays in force
     * @throws IllegalStateException if this instance was not built from PEM files
     */
    public synchronized boolean reloadIfChanged() {
        requireFiles();
        byte[] digest = digest(certificateChain, privateKey, caBundle);
        if (Arrays.equals(digest, filesDigest)) {
            return false;
        }
        filesDigest = digest;
        load();
        return true;
    }

    private void requireFiles() {
        if (certificateChain == null) {
            throw new IllegalStateException("TLS settings built from an SSLContext have no files to reload; "
                    + "call update(SSLContext) instead");
        }
    }

    private void load() {
        SSLContext next = loadPem(certificateChain, privateKey, caBundle);
        long named = nodeIdOf(Pem.certificates(certificateChain).get(0));
        if (named != certifiedNodeId) {
            throw new TlsConfigException("the new certificate in " + certificateChain + " names node " + named
                    + ", but this node is " + certifiedNodeId + "; keeping the current one");
        }
        context = next;
    }

    /** SHA-256 over each file's length and bytes. */
    private static byte[] digest(Path... files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(file);
                } catch (IOException e) {
                    throw new TlsConfigException("cannot read " + file + ": " + e, e);
                }
                sha.update(ByteBuffer.allocate(Long.BYTES).putLong(0, bytes.length));
                sha.update(bytes);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Installs {@code newContext} for connections opened from now on.
     *
     * @param newContext a TLS 1.3 context; not null
     */
    public void update(SSLContext newContext) {
        context = checkProtocol(Objects.requireNonNull(newContext, "SSL context"));
    }

    /** {@return the current context, for example to serve HTTPS with the same certificate} */
    public SSLContext context() {
        return context;
    }

    /**
     * A context that always acts as the current one: every engine, socket factory or session context it hands out
     * comes from the context in force at that moment. Give it to a server or client that keeps the
     * {@code SSLContext} it was built with, such as the JDK's {@code HttpsServer}, so that its new connections use the
     * certificate of the latest {@link #reload()} or {@link #update}. It refuses {@code init}.
     *
     * @return a context following this one; the same object on every call
     */
    public SSLContext followingContext() {
        return following;
    }

    /**
     * The node id a node certificate names: its subject CN must be {@code node-<id>} with a positive decimal id.
     *
     * @param certificate a node certificate, as a peer presented it
     * @return the positive node id from its {@code CN=node-<id>}
     * @throws TlsConfigException if the certificate names no node id
     */
    public static long nodeIdOf(X509Certificate certificate) {
        String name = certificate.getSubjectX500Principal().getName();
        String cn = null;
        try {
            for (Rdn rdn : new LdapName(name).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    if (cn != null) {
                        throw new TlsConfigException("certificate subject '" + name + "' has more than one CN");
                    }
                    cn = String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            throw new TlsConfigException("certificate subject '" + name + "' cannot be parsed: " + e.getMessage(), e);
        }
        if (cn == null || !cn.startsWith(CN_PREFIX)) {
            throw new TlsConfigException("certificate subject '" + name + "' names no node: its CN must be "
                    + CN_PREFIX + "<id>");
        }
        String digits = cn.substring(CN_PREFIX.length());
        long id;
        try {
            id = digits.isEmpty() || !Character.isDigit(digits.charAt(0)) ? -1 : Long.parseLong(digits);
        } catch (NumberFormatException e) {
            id = -1;
        }
        if (id <= 0) {
            throw new TlsConfigException("certificate subject '" + name + "' has CN '" + cn + "'; the node id after '"
                    + CN_PREFIX + "' must be a positive decimal number");
        }
        return id;
    }

    /**
     * An engine of the current context: TLS 1.3 only, {@link #PREFERRED_SUITE} first among the context's enabled
     * suites, and on the accepting side a required client certificate and its own suite order.
     */
    SSLEngine newEngine(boolean dialing) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(dialing);
        engine.setEnabledProtocols(new String[]{PROTOCOL});
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setCipherSuites(preferredFirst(parameters.getCipherSuites()));
        parameters.setUseCipherSuitesOrder(true);
        if (!dialing) {
            parameters.setNeedClientAuth(true);
        }
        engine.setSSLParameters(parameters);
        return engine;
    }

    /** {@code suites} with {@link #PREFERRED_SUITE} moved to the front if present; the rest keep their order. */
    static String[] preferredFirst(String[] suites) {
        List<String> ordered = new ArrayList<>(List.of(suites));
        if (ordered.remove(PREFERRED_SUITE)) {
            ordered.add(0, PREFERRED_SUITE);
        }
        return ordered.toArray(String[]::new);
    }

    /** The node id of this node's own certificate, if the settings came from PEM files; else 0. */
    long ownNodeId() {
        return certifiedNodeId;
    }

    private static SSLContext checkProtocol(SSLContext context) {
        List<String> supported = List.of(context.getSupportedSSLParameters().getProtocols());
        if (!supported.contains(PROTOCOL)) {
            throw new TlsConfigException("the SSL context (protocol " + context.getProtocol() + ") does not support "
                    + PROTOCOL + "; it offers " + supported);
        }
        return context;
    }

    /**
     * Signs a test message with {@code key} and verifies it with the certificate's public key. Without this check a
     * rotation caught between writing the certificate and writing its key would load a pair that fails every
     * handshake.
     */
    private static void checkKeyMatches(PrivateKey key, X509Certificate certificate, Path keyFile, Path chainFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            // An algorithm this check does not know: the handshake will tell.
            return;
        }
        byte[] message = "sansraft key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(message);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(message);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new TlsConfigException("the private key in " + keyFile + " does not match the certificate in "
                    + chainFile + " (" + certificate.getSubjectX500Principal() + ")");
        }
    }

    private static SSLContext loadPem(Path certificateChain, Path privateKeyFile, Path caBundle) {
        List<X509Certificate> chain = Pem.certificates(certificateChain);
        PrivateKey key = Pem.privateKey(privateKeyFile);
        List<X509Certificate> cas = Pem.certificates(caBundle);
        nodeIdOf(chain.get(0));
        checkKeyMatches(key, chain.get(0), privateKeyFile, certificateChain);
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("node", key, IN_MEMORY_PASSWORD, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, IN_MEMORY_PASSWORD);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                trusted.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trusted);
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsConfigException("cannot use the certificate " + certificateChain + " with the key "
                    + privateKeyFile + " and the CA bundle " + caBundle + ": " + e.getMessage(), e);
        }
    }
}
