package dev.sansraft.transport.tcp;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * TLS settings for an attacker: presents its one certificate whatever the server asks for (a well-behaved key
 * manager would stay silent when the server's CA list does not match), so that the server's own checks are what
 * refuses it.
 */
final class ForcefulTls {

    private ForcefulTls() {
    }

    static TransportTls of(ThrowawayCa.Issued issued, Path trustedCa) {
        return TransportTls.of(context(issued, trustedCa));
    }

    static SSLContext context(ThrowawayCa.Issued issued, Path trustedCa) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("key", Pem.privateKey(issued.privateKey()), new char[0],
                    Pem.certificates(issued.certificateChain()).toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            X509KeyManager delegate = (X509KeyManager) kmf.getKeyManagers()[0];
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("ca", Pem.certificates(trustedCa).get(0));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trusted);
            SSLContext context = SSLContext.getInstance(TransportTls.PROTOCOL);
            context.init(new javax.net.ssl.KeyManager[]{new Always(delegate)}, tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the attacker's TLS context: " + e, e);
        }
    }

    /** Answers every request with the single key entry, ignoring the issuers the peer asked for. */
    private static final class Always extends X509ExtendedKeyManager {
        private final X509KeyManager delegate;

        Always(X509KeyManager delegate) {
            this.delegate = delegate;
        }

        private String alias() {
            for (String type : new String[]{"EC", "RSA"}) {
                String[] aliases = delegate.getClientAliases(type, null);
                if (aliases != null && aliases.length > 0) {
                    return aliases[0];
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate.getClientAliases(keyType, null);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias();
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias();
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return delegate.getServerAliases(keyType, null);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return alias();
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return alias();
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate.getPrivateKey(alias);
        }
    }
}
