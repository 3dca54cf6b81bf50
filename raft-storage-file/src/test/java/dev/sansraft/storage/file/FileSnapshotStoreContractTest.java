package dev.sansraft.storage.file;

import dev.sansraft.node.SnapshotStore;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

class FileSnapshotStoreContractTest extends SnapshotStoreContractTest {

    @TempDir
    Path dir;

    private int created;

    @Override
    SnapshotStore create(int retainCount) throws IOException {
        // A small chunk so that even the contract's small payloads cross many chunk boundaries.
        return FileSnapshotStore.open(dir.resolve("store-" + created++), retainCount, 9000, FileChannels.DEFAULT);
    }
}
