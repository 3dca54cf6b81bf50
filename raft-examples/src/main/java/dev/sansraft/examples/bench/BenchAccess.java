package dev.sansraft.examples.bench;

import dev.sansraft.examples.cli.UsageException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/**
 * How the bench reaches a cluster's API: HTTPS trusting a CA bundle ({@code --cacert}) and a bearer token
 * ({@code --auth-token-file}), or neither. Immutable and thread-safe.
 *
 * @param tls        sockets for {@code https://} targets, or null for plain HTTP only
 * @param authHeader the header line ({@code Authorization: Bearer ...\r\n}) sent with every request, or ""
 */
record BenchAccess(SSLSocketFactory tls, String authHeader) {

    static final BenchAccess PLAIN = new BenchAccess(null, "");

    /** From the flags' values; empty strings mean absent. */
    static BenchAccess of(String caBundle, String tokenFile) {
        SSLSocketFactory tls = caBundle.isBlank() ? null : trusting(Path.of(caBundle));
        String header = "";
        if (!tokenFile.isBlank()) {
            try {
                header = "Authorization: Bearer " + Files.readString(Path.of(tokenFile)).strip() + "\r\n";
            } catch (IOException e) {
                throw new UsageException("--auth-token-file: cannot read " + tokenFile + ": " + e);
            }
        }
        return new BenchAccess(tls, header);
    }

    private static SSLSocketFactory trusting(Path caBundle) {
        try (InputStream in = Files.newInputStream(caBundle)) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new UsageException("--cacert: no PEM certificate in " + caBundle);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new UsageException("--cacert: cannot use " + caBundle + ": " + e.getMessage());
        }
    }
}
