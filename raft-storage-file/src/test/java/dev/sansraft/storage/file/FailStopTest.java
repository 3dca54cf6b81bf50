package dev.sansraft.storage.file;

import dev.sansraft.core.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static dev.sansraft.storage.file.TestEntries.batch;
import static dev.sansraft.storage.file.TestEntries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FailStopTest {

    @TempDir
    Path dir;

    private final FaultyChannels channels = new FaultyChannels();

    private FileLogStore open() throws IOException {
        return FileLogStore.builder(dir).segmentSizeBytes(2048).writeBufferBytes(4096).channels(channels).open();
    }

    static void assertRefusesEveryWrite(FileLogStore store) {
        long next = store.lastIndex() + 1;
        assertThatThrownBy(() -> store.append(List.of(entry(next, 9, 3)))).isInstanceOf(IOException.class)
                .hasMessageContaining("fail-stop");
        assertThatThrownBy(store::sync).isInstanceOf(IOException.class).hasMessageContaining("fail-stop");
        assertThatThrownBy(() -> store.truncateSuffix(store.firstIndex())).isInstanceOf(IOException.class)
                .hasMessageContaining("fail-stop");
        assertThatThrownBy(() -> store.compactPrefix(store.firstIndex())).isInstanceOf(IOException.class)
                .hasMessageContaining("fail-stop");
        assertThatThrownBy(() -> store.saveHardState(new HardState(99, 0))).isInstanceOf(IOException.class)
                .hasMessageContaining("fail-stop");
        assertThatThrownBy(() -> store.resetTo(next + 100, 9)).isInstanceOf(IOException.class)
                .hasMessageContaining("fail-stop");
    }

    @Test
    void aFailedSyncIsNeverRetriedIntoSuccess() throws IOException {
        FileLogStore store = open();
        store.append(batch(1, 5, 1, 20));
        store.sync();
        store.append(batch(6, 5, 1, 20));
        channels.failForce = true;
        assertThatThrownBy(store::sync).isInstanceOf(IOException.class).hasMessageContaining("injected fsync");
        channels.failForce = false;
        // The disk works again, but the pages the failed fsync dropped may be gone: the store must stay down.
        assertRefusesEveryWrite(store);
        assertThat(store.lastIndex()).as("reads still work").isEqualTo(10);
        assertThat(store.entries(1, 11, Long.MAX_VALUE)).hasSize(10);
        store.close();
    }

    @Test
    void aFailedForceWhileRollingASegmentStopsTheStore() throws IOException {
        FileLogStore store = open();
        store.append(batch(1, 5, 1, 20));
        channels.failForce = true;
        assertThatThrownBy(() -> store.append(batch(6, 200, 1, 20))).isInstanceOf(IOException.class)
                .hasMessageContaining("injected fsync");
        channels.failForce = false;
        assertRefusesEveryWrite(store);
        store.close();
    }

    @Test
    void aFailedWriteStopsTheStore() throws IOException {
        FileLogStore store = open();
        store.append(batch(1, 5, 1, 20));
        channels.failWrite = true;
        assertThatThrownBy(() -> store.append(batch(6, 5, 1, 20))).isInstanceOf(IOException.class)
                .hasMessageContaining("injected write");
        channels.failWrite = false;
        assertRefusesEveryWrite(store);
        store.close();
    }

    @Test
    void aFailedHardStateSaveStopsTheStoreAndKeepsTheLastDurableState() throws IOException {
        FileLogStore store = open();
        store.saveHardState(new HardState(2, 1));
        channels.failForce = true;
        assertThatThrownBy(() -> store.saveHardState(new HardState(3, 1))).isInstanceOf(IOException.class);
        channels.failForce = false;
        assertThat(store.loadHardState()).isEqualTo(new HardState(2, 1));
        assertRefusesEveryWrite(store);
        store.close();
    }

    @Test
    void aFailedForceOfTheResetStopsTheStoreAndTheReopenedLogIsWholeOldOrReset() throws IOException {
        FileLogStore store = open();
        store.append(batch(1, 100, 1, 20));
        store.sync();
        channels.failForce = true;
        assertThatThrownBy(() -> store.resetTo(50, 3)).isInstanceOf(IOException.class)
                .hasMessageContaining("injected fsync");
        channels.failForce = false;
        assertThat(store.lastIndex()).as("the reset was not published").isEqualTo(100);
        assertThat(store.entries(1, 101, Long.MAX_VALUE)).isEqualTo(batch(1, 100, 1, 20));
        assertRefusesEveryWrite(store);
        store.close();
        try (FileLogStore reopened = open()) {
            // The slot write reached the page cache before its force failed: here the reset won, and the old
            // segments, still on disk, are dropped rather than mixed in.
            assertThat(reopened.firstIndex()).isEqualTo(51);
            assertThat(reopened.lastIndex()).isEqualTo(50);
            assertThat(reopened.term(50)).isEqualTo(3);
            assertThat(LogDirs.segments(dir)).isEmpty();
        }
    }

    @Test
    void aFailedWriteOfTheResetKeepsTheOldLog() throws IOException {
        FileLogStore store = open();
        store.append(batch(1, 100, 1, 20));
        store.sync();
        channels.failWrite = true;
        assertThatThrownBy(() -> store.resetTo(500, 3)).isInstanceOf(IOException.class)
                .hasMessageContaining("injected write");
        channels.failWrite = false;
        assertRefusesEveryWrite(store);
        store.close();
        try (FileLogStore reopened = open()) {
            assertThat(reopened.firstIndex()).isEqualTo(1);
            assertThat(reopened.entries(1, 101, Long.MAX_VALUE)).isEqualTo(batch(1, 100, 1, 20));
        }
    }

    @Test
    void afterAFailureTheDirectoryCanBeReopenedAndRecovered() throws IOException {
        FileLogStore store = open();
        store.append(batch(1, 5, 1, 20));
        store.sync();
        channels.failForce = true;
        store.append(batch(6, 5, 1, 20));
        assertThatThrownBy(store::sync).isInstanceOf(IOException.class);
        store.close();
        channels.failForce = false;
        try (FileLogStore reopened = open()) {
            assertThat(reopened.lastIndex()).as("at least the synced entries").isGreaterThanOrEqualTo(5);
            reopened.append(List.of(entry(reopened.lastIndex() + 1, 2, 4)));
            reopened.sync();
        }
    }
}
