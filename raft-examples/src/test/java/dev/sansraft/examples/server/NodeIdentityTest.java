package dev.sansraft.examples.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeIdentityTest {
    @TempDir
    Path dir;

    @Test
    void firstClaimWritesTheFileAndLaterClaimsOfTheSameIdentityPass() throws Exception {
        NodeIdentity id = new NodeIdentity("prod-1", 3);
        Path data = dir.resolve("data");
        id.claim(data, "log");
        assertThat(NodeIdentity.read(data.resolve(NodeIdentity.FILE_NAME))).isEqualTo(id);
        assertThat(Files.readString(data.resolve(NodeIdentity.FILE_NAME))).contains("cluster-id=prod-1",
                "node-id=3", "crc32c=");
        id.claim(data, "log");
    }

    @Test
    void refusesAnotherNodeOrClusterNaming() {
        new NodeIdentity("a", 1).claim(dir, "log");
        assertThatThrownBy(() -> new NodeIdentity("a", 2).claim(dir, "log"))
                .isInstanceOf(DataDirectoryException.class)
                .hasMessageContaining("belongs to node 1 of cluster 'a', not node 2");
        assertThatThrownBy(() -> new NodeIdentity("b", 1).claim(dir, "log"))
                .isInstanceOf(DataDirectoryException.class)
                .hasMessageContaining("belongs to cluster 'a', not 'b'");
    }

    @Test
    void refusesALogWithoutIdentity() throws Exception {
        Files.createDirectories(dir.resolve("log"));
        assertThatThrownBy(() -> new NodeIdentity("a", 1).claim(dir, "log"))
                .isInstanceOf(DataDirectoryException.class).hasMessageContaining("no identity file");
    }

    @Test
    void detectsCorruption() throws Exception {
        new NodeIdentity("a", 1).claim(dir, "log");
        Path file = dir.resolve(NodeIdentity.FILE_NAME);
        Files.writeString(file, Files.readString(file).replace("node-id=1", "node-id=2"));
        assertThatThrownBy(() -> new NodeIdentity("a", 2).claim(dir, "log"))
                .isInstanceOf(DataDirectoryException.class).hasMessageContaining("checksum mismatch");
        Files.writeString(file, "garbage");
        assertThatThrownBy(() -> new NodeIdentity("a", 1).claim(dir, "log"))
                .isInstanceOf(DataDirectoryException.class).hasMessageContaining("corrupt");
    }

    @Test
    void validatesItsFields() {
        assertThatThrownBy(() -> new NodeIdentity("has space", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NodeIdentity("ok", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
