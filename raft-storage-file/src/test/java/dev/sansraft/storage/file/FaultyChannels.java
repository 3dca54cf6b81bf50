package dev.sansraft.storage.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link FileChannels} for tests: counts forces, can make forces or writes fail, and can hold a force until
 * released.
 */
final class FaultyChannels implements FileChannels {

    final AtomicInteger forces = new AtomicInteger();
    volatile boolean failForce;
    volatile boolean failWrite;
    /** When set, the next force blocks until {@link #releaseForce} counts down, after signalling {@link #forceEntered}. */
    volatile CountDownLatch releaseForce;
    final CountDownLatch forceEntered = new CountDownLatch(1);

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return new ForwardingFileChannel(FileChannel.open(path, options)) {
            @Override
            public void force(boolean metaData) throws IOException {
                CountDownLatch gate = releaseForce;
                if (gate != null) {
                    releaseForce = null;
                    forceEntered.countDown();
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while held", e);
                    }
                }
                if (failForce) {
                    throw new IOException("injected fsync failure on " + path);
                }
                forces.incrementAndGet();
                super.force(metaData);
            }

            @Override
            public int write(ByteBuffer src, long position) throws IOException {
                if (failWrite) {
                    throw new IOException("injected write failure on " + path);
                }
                return super.write(src, position);
            }
        };
    }
}
