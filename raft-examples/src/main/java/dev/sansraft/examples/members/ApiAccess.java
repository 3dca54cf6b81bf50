package dev.sansraft.examples.members;

import dev.sansraft.examples.cli.FlagSet;
import dev.sansraft.examples.cli.ParsedFlags;
import dev.sansraft.examples.cli.UsageException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/**
 * What a client needs to reach a secured cluster's HTTP API: a TLS context for {@code https://} URLs whose trust
 * managers accept the cluster's server certificates, and the bearer token the API requires. Either may be absent:
 * a null context means the JDK's default trust (public CAs), a null token means no {@code Authorization} header.
 * Immutable and thread-safe (an {@link SSLContext} is, once initialised).
 *
 * @param tls         the context for HTTPS connections, or null for the JDK default
 * @param bearerToken the token sent as {@code Authorization: Bearer <token>}, or null for none
 */
public record ApiAccess(SSLContext tls, String bearerToken) {

    /** Plain HTTP or HTTPS with the JDK's default trust, and no token. */
    public static final ApiAccess NONE = new ApiAccess(null, null);

    /**
     * Checks that a token, if given, can go in a header line.
     *
     * @param tls         the context for HTTPS connections, or null for the JDK default
     * @param bearerToken the token, or null for none
     * @throws IllegalArgumentException if the token is empty or holds anything but visible ASCII
     */
    public ApiAccess {
        if (bearerToken != null) {
            checkToken(bearerToken, "the bearer token");
        }
    }

    /**
     * The access the {@code --cacert} and {@code --auth-token-file} flags of a client subcommand give (a set built
     * with {@link #withFlags}); blank flags mean absent.
     *
     * @param flags the parsed flags
     * @return the access
     * @throws UsageException naming the flag whose file cannot be used, and why
     */
    public static ApiAccess fromFlags(ParsedFlags flags) {
        SSLContext tls = null;
        String caBundle = flags.string("cacert");
        if (!caBundle.isBlank()) {
            try {
                tls = trusting(Path.of(caBundle));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--cacert: " + e.getMessage());
            }
        }
        String token = null;
        String tokenFile = flags.string("auth-token-file");
        if (!tokenFile.isBlank()) {
            try {
                token = readToken(Path.of(tokenFile));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--auth-token-file: " + e.getMessage());
            }
        }
        return new ApiAccess(tls, token);
    }

    /**
     * Declares {@code --cacert} and {@code --auth-token-file}, which {@link #fromFlags} reads.
     *
     * @param flags the flag set to add to
     * @return {@code flags}
     */
    public static FlagSet withFlags(FlagSet flags) {
        return flags
                .flag("cacert", "PEM", "", "CA bundle to trust for an https:// server (the cluster's --tls-ca, e.g."
                        + " DIR/tls/ca.pem of cluster --tls)")
                .flag("auth-token-file", "FILE", "", "send 'Authorization: Bearer <token>' (the file's content; the"
                        + " cluster's --auth-token-file)");
    }

    /**
     * A TLS context that trusts exactly the certificates in a PEM bundle and presents no certificate itself.
     *
     * @param caBundle the PEM file of one or more CA certificates
     * @return the context
     * @throws IllegalArgumentException if the file cannot be read or holds no certificate
     */
    public static SSLContext trusting(Path caBundle) {
        try (InputStream in = Files.newInputStream(caBundle)) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new IllegalArgumentException("no PEM certificate in " + caBundle);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use " + caBundle + " as a CA bundle: " + e.getMessage(), e);
        }
    }

    /**
     * The token in a file: its content without surrounding whitespace.
     *
     * @param file the token file
     * @return the token
     * @throws IllegalArgumentException if the file cannot be read, or the token is empty or not visible ASCII
     */
    public static String readToken(Path file) {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
        }
        checkToken(token, "the token in " + file);
        return token;
    }

    /** A token goes into a header line: a CR or LF in it would end the line and inject headers. */
    private static void checkToken(String token, String what) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < '!' || c > '~') {
                throw new IllegalArgumentException(what + " must be visible ASCII without spaces (character " + i
                        + " is not)");
            }
        }
    }
}
