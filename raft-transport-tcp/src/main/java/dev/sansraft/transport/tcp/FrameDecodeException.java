package dev.sansraft.transport.tcp;

/**
 * Bytes received from the network do not form a valid frame: a length outside the allowed range, a checksum
 * mismatch, an unknown format version or message type, a count or length that does not fit the frame, or a field
 * value that the core message records reject.
 *
 * <p>This is the only exception {@link MessageCodec}'s decoding methods throw for bad input, whatever the bytes. The
 * transport answers it by closing the one connection the bytes came from. Immutable and thread-safe.
 */
public final class FrameDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * A decode error described by {@code message}.
     *
     * @param message what is wrong with the frame, with the offending value
     */
    public FrameDecodeException(String message) {
        super(message);
    }

    /**
     * A decode error caused by {@code cause}, typically a core record rejecting a decoded value.
     *
     * @param message what is wrong with the frame, with the offending value
     * @param cause the rejection that made the frame invalid
     */
    public FrameDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
