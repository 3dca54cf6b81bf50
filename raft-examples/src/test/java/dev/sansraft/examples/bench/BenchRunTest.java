package dev.sansraft.examples.bench;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the bench goes after a redirect to the leader. */
class BenchRunTest {

    @Test
    void redirectKeepsTheSchemeOfTheLocation() {
        assertThat(BenchRun.redirectTarget(URI.create("https://127.0.0.1:8002/kv/key-7")))
                .isEqualTo(URI.create("https://127.0.0.1:8002"));
        assertThat(BenchRun.redirectTarget(URI.create("http://localhost:8003/kv/key-7?consistency=lease")))
                .isEqualTo(URI.create("http://localhost:8003"));
    }
}
