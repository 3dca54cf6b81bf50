package dev.sansraft.storage.file;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static dev.sansraft.storage.file.TestEntries.batch;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupCommitTest {

    @TempDir
    Path dir;

    private static void awaitCondition(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    @Test
    void syncsThatQueueBehindAnInFlightForceShareTheNextOne() throws Exception {
        FaultyChannels channels = new FaultyChannels();
        try (FileLogStore store = FileLogStore.builder(dir).channels(channels).open()) {
            store.append(batch(1, 10, 1, 50));
            CountDownLatch release = new CountDownLatch(1);
            channels.releaseForce = release;
            AtomicReference<Throwable> error = new AtomicReference<>();
            List<Thread> syncers = new ArrayList<>();
            Runnable sync = () -> {
                try {
                    store.sync();
                } catch (Throwable t) {
                    error.compareAndSet(null, t);
                }
            };
            Thread first = new Thread(sync, "sync-1");
            first.start();
            syncers.add(first);
            assertThat(channels.forceEntered.await(20, TimeUnit.SECONDS)).isTrue();

            // Appends proceed while the force is in flight; they go into the next force.
            store.append(batch(11, 10, 1, 50));
            for (int i = 2; i <= 4; i++) {
                Thread t = new Thread(sync, "sync-" + i);
                t.start();
                syncers.add(t);
            }
            awaitCondition(() -> store.syncLock.getQueueLength() == 3, "three syncs queue behind the force");
            int before = channels.forces.get();
            release.countDown();
            for (Thread t : syncers) {
                t.join();
            }
            assertThat(error.get()).isNull();
            assertThat(channels.forces.get() - before)
                    .as("the held force plus one shared force for the three queued syncs").isEqualTo(2);
        }
    }

    @Test
    void aSyncWithNothingNewDoesNotForce() throws IOException {
        FaultyChannels channels = new FaultyChannels();
        try (FileLogStore store = FileLogStore.builder(dir).channels(channels).open()) {
            store.append(batch(1, 10, 1, 50));
            store.sync();
            int before = channels.forces.get();
            store.sync();
            store.sync();
            assertThat(channels.forces.get()).isEqualTo(before);
            store.append(batch(11, 1, 1, 50));
            store.sync();
            assertThat(channels.forces.get()).isEqualTo(before + 1);
        }
    }
}
