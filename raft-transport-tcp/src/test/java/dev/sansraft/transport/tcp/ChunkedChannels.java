package dev.sansraft.transport.tcp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.SplittableRandom;

/** In-memory channels that move a seeded random number of bytes per call, as a congested socket would. */
final class ChunkedChannels {

    private ChunkedChannels() {
    }

    /** Serves {@code bytes} in random-sized pieces (sometimes none), then end of stream. */
    static final class Source implements ReadableByteChannel {
        private final ByteBuffer bytes;
        private final SplittableRandom random;
        private final int maxChunk;

        Source(byte[] bytes, long seed, int maxChunk) {
            this.bytes = ByteBuffer.wrap(bytes);
            this.random = new SplittableRandom(seed);
            this.maxChunk = maxChunk;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!bytes.hasRemaining()) {
                return -1;
            }
            int n = Math.min(Math.min(dst.remaining(), bytes.remaining()), random.nextInt(maxChunk + 1));
            ByteBuffer piece = bytes.slice();
            piece.limit(n);
            dst.put(piece);
            bytes.position(bytes.position() + n);
            return n;
        }

        boolean exhausted() {
            return !bytes.hasRemaining();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    /** Accepts a random number of bytes per write (sometimes none) and keeps them. */
    static final class Sink implements GatheringByteChannel {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        private final SplittableRandom random;
        private final int maxChunk;

        Sink(long seed, int maxChunk) {
            this.random = new SplittableRandom(seed);
            this.maxChunk = maxChunk;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long budget = random.nextInt(maxChunk + 1);
            long total = 0;
            for (int i = offset; i < offset + length && budget > 0; i++) {
                int n = (int) Math.min(budget, srcs[i].remaining());
                byte[] piece = new byte[n];
                srcs[i].get(piece);
                written.write(piece, 0, n);
                budget -= n;
                total += n;
            }
            return total;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            return (int) write(new ByteBuffer[] {src}, 0, 1);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
