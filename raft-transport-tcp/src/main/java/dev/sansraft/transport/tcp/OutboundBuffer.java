package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.Message.InstallSnapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.Arrays;

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
 * <p>Over TLS a snapshot chunk larger than the staging buffer is not copied at all: the bytes around its data go into
 * the staging buffer and a small tail buffer, and the chunk's own array follows in the gathering write
 * ({@link MessageCodec#encodeAroundChunk}). The TLS engine copies its input into its record buffer anyway, so the
 * copy into a frame buffer would only be one more pass over a megabyte. Plaintext keeps the copy: a heap array handed
 * to a socket is copied into a temporary direct buffer by the JDK on every write attempt, again for the part a full
 * socket did not take.
 *
 * <p>Not thread-safe: owned by the selector thread.
 */
final class OutboundBuffer {

    static final int RETAINED_LARGE_BYTES = 4 << 20;

    private final MessageCodec codec;
    /** True over TLS: large snapshot chunks go by reference (see the class comment). */
    private final boolean chunksByReference;
    private final ByteBuffer staging;
    private final ByteBuffer[] gather = new ByteBuffer[3];
    private ByteBuffer large;
    /** True once the batch holds a frame outside the staging buffer ({@link #large} or a chunk by reference). */
    private boolean largeUsed;
    /** The data of a chunk sent by reference, and the frame's bytes after it; null otherwise. */
    private ByteBuffer chunkData;
    private ByteBuffer chunkTail;
    private int gatherCount;
    private boolean sealed;
    private int batchMessages;
    private long pendingBytes;

    OutboundBuffer(MessageCodec codec, int stagingBytes) {
        this(codec, stagingBytes, false);
    }

    /** @param chunksByReference true for a TLS link (see the class comment) */
    OutboundBuffer(MessageCodec codec, int stagingBytes, boolean chunksByReference) {
        this.codec = codec;
        this.staging = ByteBuffer.allocateDirect(stagingBytes);
        this.chunksByReference = chunksByReference;
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
        } else if (frameSize > staging.capacity() && chunksByReference && message instanceof InstallSnapshot) {
            InstallSnapshot chunk = (InstallSnapshot) message;
            if (MessageCodec.chunkHeadBytes(chunk) > staging.remaining()) {
                return false;
            }
            chunkTail = codec.encodeAroundChunk(chunk, staging);
            chunkData = ByteBuffer.wrap(chunk.data());
            largeUsed = true;
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
        if (chunkData != null) {
            gather[count++] = chunkData;
            gather[count++] = chunkTail;
        } else if (largeUsed) {
            gather[count++] = large.flip();
        }
        long pending = 0;
        for (int i = 0; i < count; i++) {
            pending += gather[i].remaining();
        }
        pendingBytes = pending;
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
        if (largeUsed && chunkData == null && large.capacity() > RETAINED_LARGE_BYTES) {
            large = null;
        }
        largeUsed = false;
        chunkData = null;
        chunkTail = null;
        sealed = false;
        batchMessages = 0;
        pendingBytes = 0;
        Arrays.fill(gather, null);
        gatherCount = 0;
    }
}
