package dev.sansraft.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProgressTest {

    @Test
    void probeSendsOneAppendAtATime() {
        Progress pr = new Progress(2, 11, 4);
        assertThat(pr.state).isEqualTo(PeerProgress.State.PROBE);
        assertThat(pr.isPaused()).isFalse();
        pr.sent(15, 5, 0);
        assertThat(pr.isPaused()).as("probe outstanding").isTrue();
        assertThat(pr.nextIndex).as("probe does not advance nextIndex optimistically").isEqualTo(11);
    }

    @Test
    void anEmptyAppendAtOrBelowTheMatchIndexIsNoProbe() {
        // A follower answers an empty append at or below what it acknowledged only in a new round (a commit notice
        // gets no answer), so such an append must not hold back the probe that the next entries make.
        Progress pr = new Progress(2, 11, 4);
        pr.acknowledge(10);
        assertThat(pr.state).isEqualTo(PeerProgress.State.PROBE);
        pr.sent(10, 0, 10);
        assertThat(pr.isPaused()).as("empty append at the match index").isFalse();
        pr.sent(12, 2, 10);
        assertThat(pr.isPaused()).as("the entries' probe is outstanding").isTrue();

        Progress beyond = new Progress(2, 12, 4);
        beyond.acknowledge(10);
        beyond.becomeProbe(12);
        beyond.sent(11, 0, 10);
        assertThat(beyond.isPaused()).as("an empty append past the match index probes").isTrue();
    }

    @Test
    void acknowledgementAdvancesMatchAndNext() {
        Progress pr = new Progress(2, 11, 4);
        assertThat(pr.acknowledge(15)).isTrue();
        assertThat(pr.matchIndex).isEqualTo(15);
        assertThat(pr.nextIndex).isEqualTo(16);
        assertThat(pr.acknowledge(12)).as("a stale acknowledgement never moves match back").isFalse();
        assertThat(pr.matchIndex).isEqualTo(15);
        assertThat(pr.nextIndex).isEqualTo(16);
    }

    @Test
    void replicatePipelinesUntilTheWindowIsFull() {
        Progress pr = new Progress(2, 1, 2);
        pr.acknowledge(4);
        pr.becomeReplicate();
        assertThat(pr.nextIndex).isEqualTo(5);
        pr.sent(6, 2, 0);
        assertThat(pr.nextIndex).as("replicate advances nextIndex optimistically").isEqualTo(7);
        assertThat(pr.isPaused()).isFalse();
        pr.sent(8, 2, 0);
        assertThat(pr.isPaused()).isTrue();
        pr.acknowledge(6);
        assertThat(pr.isPaused()).as("one append acknowledged frees one slot").isFalse();
        assertThat(pr.snapshot()).isEqualTo(new PeerProgress(2, 6, 9, PeerProgress.State.REPLICATE, 1));
    }

    @Test
    void heartbeatsInReplicateDoNotUseTheWindow() {
        Progress pr = new Progress(2, 1, 1);
        pr.becomeReplicate();
        pr.sent(0, 0, 0);
        assertThat(pr.isPaused()).isFalse();
        assertThat(pr.inflights.count()).isZero();
    }

    @Test
    void becomeProbeNeverGoesBelowMatch() {
        Progress pr = new Progress(2, 1, 4);
        pr.acknowledge(10);
        pr.becomeReplicate();
        pr.sent(20, 10, 0);
        pr.becomeProbe(3);
        assertThat(pr.state).isEqualTo(PeerProgress.State.PROBE);
        assertThat(pr.nextIndex).as("everything up to match is known good").isEqualTo(11);
        assertThat(pr.inflights.count()).isZero();
        pr.becomeProbe(15);
        assertThat(pr.nextIndex).isEqualTo(15);
        pr.checkInvariant();
    }

    @Test
    void invariantViolationNamesTheValues() {
        Progress pr = new Progress(2, 5, 4);
        pr.matchIndex = 5;
        assertThatThrownBy(pr::checkInvariant).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("matchIndex 5").hasMessageContaining("nextIndex 5");
    }
}
