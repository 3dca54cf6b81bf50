package dev.sansraft.transport.tcp;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
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
 * (after they were replaced, for example by a certificate agent) and {@link #update} installs a context built by the
 * caller. Both affect connections opened afterwards; established connections keep the session they negotiated until
 * they close. To make every connection use the new certificate soon, the caller can restart the transport, or simply
 * let a rotation overlap the old certificate's validity by more than the connections' lifetime. A reload that fails
 * (a half-written file, a key that does not match) throws and keeps the previous context.
 *
 * <p>Thread-safe: the current context is published through a volatile field; {@link #reload()} and {@link #update}
 * may be called from any thread while the transport runs.
 */
public final class TransportTls {

    /** The only protocol enabled between nodes. */
    public static final String PROTOCOL = "TLSv1.3";
    private static final String CN_PREFIX = "node-";
    private static final char[] IN_MEMORY_PASSWORD = new char[0];

    private final Path certificateChain;
    private final Path privateKey;
    private final Path caBundle;
    private volatile SSLContext context;

    private TransportTls(SSLContext context, Path certificateChain, Path privateKey, Path caBundle) {
        this.context = context;
        this.certificateChain = certificateChain;
        this.privateKey = privateKey;
        this.caBundle = caBundle;
    }

    /**
     * TLS with a context the caller built, which must support TLS 1.3 and hold this node's key and certificate.
     *
     * @param context a TLS 1.3 context holding this node's key and certificate; not null
     * @return TLS settings that always use {@code context} until {@link #update}
     */
    public static TransportTls of(SSLContext context) {
        return new TransportTls(checkProtocol(Objects.requireNonNull(context, "SSL context")), null, null, null);
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
        return new TransportTls(loadPem(certificateChain, privateKey, caBundle), certificateChain, privateKey,
                caBundle);
    }

    /**
     * Re-reads the PEM files given to {@link #fromPem}; connections opened afterwards use them.
     *
     * @throws TlsConfigException    if a file cannot be used; the previous context stays in force
     * @throws IllegalStateException if this instance was not built from PEM files (use {@link #update})
     */
    public void reload() {
        if (certificateChain == null) {
            throw new IllegalStateException("TLS settings built from an SSLContext have no files to reload; "
                    + "call update(SSLContext) instead");
        }
        context = loadPem(certificateChain, privateKey, caBundle);
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

    /** An engine of the current context: TLS 1.3 only; the accepting side requires a client certificate. */
    SSLEngine newEngine(boolean dialing) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(dialing);
        engine.setEnabledProtocols(new String[]{PROTOCOL});
        if (!dialing) {
            engine.setNeedClientAuth(true);
        }
        return engine;
    }

    /** The node id of this node's own certificate, if the settings came from PEM files; else 0. */
    long ownNodeId() {
        if (certificateChain == null) {
            return 0;
        }
        return nodeIdOf(Pem.certificates(certificateChain).get(0));
    }

    private static SSLContext checkProtocol(SSLContext context) {
        List<String> supported = List.of(context.getSupportedSSLParameters().getProtocols());
        if (!supported.contains(PROTOCOL)) {
            throw new TlsConfigException("the SSL context (protocol " + context.getProtocol() + ") does not support "
                    + PROTOCOL + "; it offers " + supported);
        }
        return context;
    }

    private static SSLContext loadPem(Path certificateChain, Path privateKeyFile, Path caBundle) {
        List<X509Certificate> chain = Pem.certificates(certificateChain);
        PrivateKey key = Pem.privateKey(privateKeyFile);
        List<X509Certificate> cas = Pem.certificates(caBundle);
        nodeIdOf(chain.get(0));
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
