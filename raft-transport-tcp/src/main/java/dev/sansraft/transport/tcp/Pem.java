package dev.sansraft.transport.tcp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files with the JDK alone: X.509 certificates ({@code BEGIN CERTIFICATE} blocks) and an unencrypted PKCS#8
 * private key ({@code BEGIN PRIVATE KEY}) of type EC, RSA, Ed25519 or Ed448. Stateless and thread-safe.
 */
final class Pem {

    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";
    private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "Ed25519", "Ed448");

    private Pem() {
    }

    /** Every certificate in {@code file}, in file order; at least one. */
    static List<X509Certificate> certificates(Path file) {
        byte[] bytes = read(file, "certificate");
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certificates = new ArrayList<>();
            for (var c : factory.generateCertificates(new ByteArrayInputStream(bytes))) {
                certificates.add((X509Certificate) c);
            }
            if (certificates.isEmpty()) {
                throw new TlsConfigException("no PEM certificate in " + file);
            }
            return certificates;
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("cannot parse the certificates in " + file + ": " + e.getMessage(), e);
        }
    }

    /** The PKCS#8 private key in {@code file}. */
    static PrivateKey privateKey(Path file) {
        String text = new String(read(file, "private key"), StandardCharsets.US_ASCII);
        int begin = text.indexOf(KEY_BEGIN);
        int end = text.indexOf(KEY_END);
        if (begin < 0 || end < begin) {
            String hint = text.contains("ENCRYPTED PRIVATE KEY") ? " (it is encrypted; decrypt it first)"
                    : text.contains("RSA PRIVATE KEY") || text.contains("EC PRIVATE KEY")
                    ? " (it is PKCS#1/SEC1; convert it with 'openssl pkcs8 -topk8 -nocrypt')" : "";
            throw new TlsConfigException("no '" + KEY_BEGIN + "' block in " + file + hint);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new TlsConfigException("bad base64 in the private key " + file + ": " + e.getMessage(), e);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // Not this algorithm: PKCS#8 names it inside, but the JDK needs a factory per algorithm.
                continue;
            }
        }
        throw new TlsConfigException("the private key in " + file + " is not a PKCS#8 key of type " + KEY_ALGORITHMS);
    }

    /** {@code der} as a PEM block of {@code type}, for example "CERTIFICATE" or "PRIVATE KEY". */
    static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] read(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsConfigException("cannot read the " + what + " file " + file + ": " + e, e);
        }
    }
}
