package dev.sansraft.core;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The factory's contract: node and member ids are positive, and an id of 0 (the "no node" value) is refused; the core
 * reports the id it was built with.
 */
class CoreCreateValidationTest {

    @Test
    void aNodeIdOfZeroIsRefused() {
        assertThatThrownBy(() -> RaftCore.create(0, List.of(0L, 1L), RaftConfig.defaults(),
                InMemoryLog.of(List.of()), HardState.INITIAL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
        assertThatThrownBy(() -> RaftCore.create(0, Membership.ofVoters(List.of(1L, 2L)), RaftConfig.defaults(),
                InMemoryLog.of(List.of()), HardState.INITIAL, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }

    @Test
    void aCoreKnowsItsOwnId() {
        assertThat(RaftCore.create(7, List.of(7L, 8L, 9L), RaftConfig.defaults(), InMemoryLog.of(List.of()),
                HardState.INITIAL).id()).isEqualTo(7);
    }

    @Test
    void aMemberIdOfZeroIsRefused() {
        assertThatThrownBy(() -> RaftCore.create(1, List.of(0L, 1L, 2L), RaftConfig.defaults(),
                InMemoryLog.of(List.of()), HardState.INITIAL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive")
                .as("names the member list").hasMessageContaining("[0, 1, 2]");
    }
}
