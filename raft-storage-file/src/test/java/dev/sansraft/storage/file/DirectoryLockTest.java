package dev.sansraft.storage.file;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.sansraft.storage.file.TestEntries.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectoryLockTest {

    @TempDir
    Path dir;

    @Test
    void aSecondOpenInTheSameProcessFailsNamingTheDirectory() throws IOException {
        try (FileLogStore store = FileLogStore.open(dir)) {
            store.append(batch(1, 3, 1, 10));
            assertThatThrownBy(() -> FileLogStore.open(dir)).isInstanceOf(StoreLockedException.class)
                    .hasMessageContaining(dir.toString()).hasMessageContaining("this process")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid());
            assertThat(store.lastIndex()).as("the owner is unaffected").isEqualTo(3);
        }
        try (FileLogStore store = FileLogStore.open(dir)) {
            assertThat(store.lastIndex()).as("closing released the lock").isEqualTo(3);
        }
    }

    @Test
    void anOpenFromAnotherProcessFailsNamingTheDirectory() throws Exception {
        try (FileLogStore store = FileLogStore.open(dir)) {
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process probe = new ProcessBuilder(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                    classpath, LockProbe.class.getName(), dir.toString()))
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(probe.exitValue()).as(output).isEqualTo(3);
            assertThat(output).contains("LOCKED").contains(dir.toString()).contains("another process")
                    .contains("pid " + ProcessHandle.current().pid());
            assertThat(store.lastIndex()).isZero();
        }
    }
}
