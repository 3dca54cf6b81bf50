package dev.sansraft.transport.tcp;

/**
 * TLS material that cannot be used: a PEM file that is missing or malformed, a key that does not match its
 * certificate, a certificate without a node id. The message names the file or certificate and what is wrong.
 */
public final class TlsConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * An unusable TLS setting.
     *
     * @param message names the file or certificate and what is wrong with it
     */
    public TlsConfigException(String message) {
        super(message);
    }

    /**
     * An unusable TLS setting found while reading or checking it.
     *
     * @param message names the file or certificate and what is wrong with it
     * @param cause the parse or security error behind it
     */
    public TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
