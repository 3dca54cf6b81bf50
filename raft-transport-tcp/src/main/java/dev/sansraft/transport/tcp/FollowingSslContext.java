package dev.sansraft.transport.tcp;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * An {@link SSLContext} that hands every request on to the context in force at that moment, so that a server or
 * client built once on an {@code SSLContext} (the JDK's {@code HttpsServer}, {@code java.net.http.HttpClient}) takes
 * up a certificate rotation for its next connection. Established connections keep the engine they were made with.
 *
 * <p>It is already initialised: {@link SSLContext#init} is refused, since the key material comes from the followed
 * context. Thread-safe if {@code current} is.
 */
final class FollowingSslContext extends SSLContext {

    FollowingSslContext(Supplier<SSLContext> current) {
        super(new Spi(current), current.get().getProvider(), current.get().getProtocol());
    }

    private static final class Spi extends SSLContextSpi {
        private final Supplier<SSLContext> current;

        Spi(Supplier<SSLContext> current) {
            this.current = current;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("this context follows the node's TLS settings; reload or update those");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return current.get().getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return current.get().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return current.get().createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return current.get().createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return current.get().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return current.get().getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return current.get().getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return current.get().getSupportedSSLParameters();
        }
    }
}
