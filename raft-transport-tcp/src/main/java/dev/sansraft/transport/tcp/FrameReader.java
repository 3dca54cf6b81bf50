package dev.sansraft.transport.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Splits the byte stream of one connection into frames.
 *
 * <p>Reads go into one reused direct buffer; every complete frame in it is handed to the sink in place, without a
 * copy. A frame larger than that buffer (a snapshot chunk, a big append batch) is read straight from the socket into
 * a second direct buffer, and only after its length field has been checked against the current maximum, so a hostile
 * length never allocates more than one allowed frame. That second buffer is kept for the next large frame while it is
 * at most {@link #RETAINED_LARGE_BYTES}, so a stream of 1 MiB snapshot chunks reuses one buffer instead of allocating
 * per chunk; a rarer, larger frame gets a buffer of its own that is dropped after it. The maximum frame size can be
 * changed between frames (a connection accepts only small handshake frames until the handshake succeeds).
 *
 * <p>Not thread-safe: owned by the selector thread.
 */
final class FrameReader {

    /** Receives one complete frame: position at its first byte, limit at its end. */
    interface FrameSink {
        /** Returns false to stop reading, for example because the connection was just closed. */
        boolean onFrame(ByteBuffer frame) throws FrameDecodeException;
    }

    /** The largest second buffer kept between large frames; a few 1 MiB snapshot chunks or append batches fit. */
    static final int RETAINED_LARGE_BYTES = 4 << 20;
    /** Retained second buffers grow in these steps, so slightly different frame sizes reuse one buffer. */
    private static final int LARGE_GRANULE_BYTES = 64 << 10;

    private ByteBuffer buffer;
    private int wantedCapacity;
    /** The large frame being collected, or null. */
    private ByteBuffer large;
    /** A retained direct buffer for the next large frame, or null. */
    private ByteBuffer spare;
    private int maxFrameBytes;
    private long bytesRead;

    FrameReader(int bufferBytes, int maxFrameBytes) {
        this.buffer = ByteBuffer.allocateDirect(bufferBytes);
        this.maxFrameBytes = maxFrameBytes;
    }

    void maxFrameBytes(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Asks for a larger read buffer, taken into use before the next read; buffered bytes are kept. A connection
     * starts small so that unauthenticated connections cost little, and grows once its handshake succeeds.
     */
    void growTo(int capacity) {
        wantedCapacity = capacity;
    }

    /** True if bytes of an incomplete frame are buffered (a connection ending now ends mid-frame). */
    boolean hasPartialFrame() {
        return buffer.position() > 0 || large != null;
    }

    /** Forgets any partial frame, for a new connection. Never call from inside {@link #readFrom}. */
    void reset() {
        buffer.clear();
        if (large != null) {
            release(large);
            large = null;
        }
    }

    /** Bytes read since the last call, for the counters. */
    long takeBytesRead() {
        long n = bytesRead;
        bytesRead = 0;
        return n;
    }

    /**
     * Reads what the channel has (up to about {@code budgetBytes}, so one busy connection cannot starve the others)
     * and passes each complete frame to {@code sink}.
     *
     * @return false once the peer has closed its end of the stream
     */
    boolean readFrom(ReadableByteChannel channel, FrameSink sink, int budgetBytes)
            throws IOException, FrameDecodeException {
        int budget = budgetBytes;
        while (budget > 0) {
            if (large != null) {
                int n = channel.read(large);
                if (n < 0) {
                    return false;
                }
                bytesRead += n;
                if (large.hasRemaining()) {
                    return true;
                }
                ByteBuffer frame = large.flip();
                budget -= frame.remaining();
                large = null;
                boolean proceed;
                try {
                    proceed = sink.onFrame(frame);
                } finally {
                    release(frame);
                }
                if (!proceed) {
                    return true;
                }
                continue;
            }
            int space = buffer.remaining();
            int n = channel.read(buffer);
            if (n < 0) {
                return false;
            }
            bytesRead += n;
            budget -= n;
            buffer.flip();
            boolean proceed;
            try {
                proceed = drainFrames(sink);
            } finally {
                buffer.compact();
            }
            if (wantedCapacity > buffer.capacity()) {
                ByteBuffer bigger = ByteBuffer.allocateDirect(wantedCapacity);
                bigger.put(buffer.flip());
                buffer = bigger;
            }
            if (!proceed || n < space) {
                // A short read means the socket's receive queue is empty: skip the read that would return 0.
                return true;
            }
        }
        return true;
    }

    /**
     * A direct buffer limited to exactly {@code size} bytes. {@code size} was checked against the maximum frame size
     * before this is called, so the allocation is bounded.
     */
    private ByteBuffer largeBuffer(int size) {
        ByteBuffer target = spare;
        spare = null;
        if (target == null || target.capacity() < size) {
            int rounded = (int) Math.min(Integer.MAX_VALUE,
                    ((long) size + LARGE_GRANULE_BYTES - 1) / LARGE_GRANULE_BYTES * LARGE_GRANULE_BYTES);
            target = ByteBuffer.allocateDirect(rounded <= RETAINED_LARGE_BYTES ? rounded : size);
        }
        target.clear().limit(size);
        return target;
    }

    /** Keeps a large frame's buffer for the next one if it is small enough to hold on to. */
    private void release(ByteBuffer frame) {
        if (frame.capacity() <= RETAINED_LARGE_BYTES) {
            spare = frame;
        }
    }

    private boolean drainFrames(FrameSink sink) throws FrameDecodeException {
        while (buffer.remaining() >= MessageCodec.LENGTH_BYTES) {
            int size = MessageCodec.frameSizeAt(buffer, maxFrameBytes);
            int start = buffer.position();
            if (buffer.remaining() >= size) {
                int limit = buffer.limit();
                buffer.limit(start + size);
                boolean proceed;
                try {
                    proceed = sink.onFrame(buffer);
                } finally {
                    buffer.limit(limit).position(start + size);
                }
                if (!proceed) {
                    return false;
                }
            } else {
                if (size > buffer.capacity()) {
                    large = largeBuffer(size);
                    large.put(buffer);
                }
                return true;
            }
        }
        return true;
    }
}
