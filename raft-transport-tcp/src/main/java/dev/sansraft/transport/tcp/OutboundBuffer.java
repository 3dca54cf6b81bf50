package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * The bytes of one outbound connection between the message queue and the socket: a batch of encoded frames that is
 * written with one gathering write per attempt.
 *
 * <p>A batch is filled while it is empty ({@link #tryAppend}), sealed, and then written until it is gone
 * ({@link #writeTo}); only then is the next batch filled. Frames go into one reused direct staging buffer, so many
 * small frames leave in one system call with no per-frame allocation. A frame larger than the whole staging buffer
 * (a big append batch) is encoded into a second direct buffer that follows the staging buffer in the same gathering
 * write; that buffer is kept for reuse up to {@link #RETAINED_LARGE_BYTES}.
 *
 * <p>Not thread-safe: owned by the selector thread.
 */
final class OutboundBuffer {

    static final int RETAINED_LARGE_BYTES = 4 << 20;

    private final MessageCodec codec;
    private final ByteBuffer staging;
    private final ByteBuffer[] gather = new ByteBuffer[2];
    private ByteBuffer large;
    private boolean largeUsed;
    private int gatherCount;
    private boolean sealed;
    private int batchMessages;
    private long pendingBytes;

    OutboundBuffer(MessageCodec codec, int stagingBytes) {
        this.codec = codec;
        this.staging = ByteBuffer.allocateDirect(stagingBytes);
    }

    /** True while a sealed batch still has bytes to write. */
    boolean hasPending() {
        return sealed;
    }

    /** True if nothing has been appended since the last batch was written. */
    boolean isEmpty() {
        return !sealed && staging.position() == 0 && !largeUsed;
    }

    /** The number of messages in the current batch. */
    int batchMessages() {
        return batchMessages;
    }

    /**
     * Encodes {@code message}, whose frame is {@code frameSize} bytes, into the batch being filled.
     *
     * @return false if the batch is full; an empty batch accepts any frame the codec allows
     */
    boolean tryAppend(Message message, int frameSize) {
        if (sealed) {
            throw new IllegalStateException("cannot append to a sealed batch of " + batchMessages + " messages");
        }
        if (largeUsed) {
            return false;
        }
        if (frameSize <= staging.remaining()) {
            codec.encode(message, staging);
        } else if (frameSize > staging.capacity()) {
            if (large == null || large.capacity() < frameSize) {
                large = ByteBuffer.allocateDirect(frameSize);
            }
            large.clear();
            codec.encode(message, large);
            largeUsed = true;
        } else {
            return false;
        }
        batchMessages++;
        return true;
    }

    /** Puts a handshake frame into the (empty) batch. It is not counted as a message. */
    void appendHello(Hello hello) {
        if (!isEmpty()) {
            throw new IllegalStateException("the handshake must be the first frame of a connection");
        }
        codec.encodeHello(hello, staging);
    }

    /** Ends the batch being filled; {@link #writeTo} then writes it. */
    void seal() {
        staging.flip();
        gather[0] = staging;
        int count = 1;
        if (largeUsed) {
            gather[1] = large.flip();
            count = 2;
        }
        pendingBytes = staging.remaining() + (largeUsed ? (long) large.remaining() : 0L);
        gatherCount = count;
        sealed = true;
    }

    /** The bytes of the sealed batch not yet written. */
    long pendingBytes() {
        return pendingBytes;
    }

    /**
     * Writes as much of the sealed batch as the socket takes.
     *
     * @return true once the whole batch is written and the buffer is empty again
     */
    boolean writeTo(GatheringByteChannel channel) throws IOException {
        long written = channel.write(gather, 0, gatherCount);
        pendingBytes -= written;
        if (pendingBytes > 0 || channel instanceof TlsChannel tls && tls.hasPendingOutput()) {
            // A TLS channel takes plaintext once it is encrypted; the batch is written when its records are.
            return false;
        }
        clear();
        return true;
    }

    /** Forgets every byte not written yet (the connection is gone) and returns how many messages that loses. */
    int discard() {
        int lost = batchMessages;
        clear();
        return lost;
    }

    private void clear() {
        staging.clear();
        if (largeUsed && large.capacity() > RETAINED_LARGE_BYTES) {
            large = null;
        }
        largeUsed = false;
        sealed = false;
        batchMessages = 0;
        pendingBytes = 0;
        gather[0] = null;
        gather[1] = null;
        gatherCount = 0;
    }
}
