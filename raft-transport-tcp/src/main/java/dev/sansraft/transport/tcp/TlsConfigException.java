package dev.sansraft.transport.tcp;

/**
 * TLS material that cannot be used: a PEM file that is missing or malformed, a key that does not match its
 * certificate, a certificate without a node id. The message names the file or certificate and what is wrong.
 */
public final class TlsConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TlsConfigException(String message) {
        super(message);
    }

    public TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
