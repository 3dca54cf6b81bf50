package dev.sansraft.storage.file;

import dev.sansraft.node.InMemorySnapshotStore;
import dev.sansraft.node.SnapshotStore;

class InMemorySnapshotStoreContractTest extends SnapshotStoreContractTest {

    @Override
    SnapshotStore create(int retainCount) {
        return new InMemorySnapshotStore(retainCount);
    }
}
