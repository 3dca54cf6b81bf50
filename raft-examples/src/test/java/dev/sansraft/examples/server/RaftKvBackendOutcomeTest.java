package dev.sansraft.examples.server;

import dev.sansraft.examples.http.NotLeaderFailure;
import dev.sansraft.examples.http.UnavailableFailure;
import dev.sansraft.node.NodeClosedException;
import dev.sansraft.node.NotLeaderException;
import dev.sansraft.node.OutcomeUnknownException;
import dev.sansraft.node.OverloadedException;
import dev.sansraft.node.ProposalDroppedException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every outcome the node reports maps to an answer the API documents (503 with Retry-After, or a redirect), never to
 * the 500 reserved for the unexpected; and the message tells an unknown outcome from a write that did not happen.
 */
class RaftKvBackendOutcomeTest {

    @Test
    void everyKnownNodeFailureIsUnavailableOrARedirect() {
        List<Throwable> known = List.of(
                new OutcomeUnknownException("timed out", new TimeoutException("deadline")),
                new ProposalDroppedException("overwritten"),
                new OverloadedException("full"),
                new TimeoutException("read not served"),
                new NodeClosedException("closed"));
        for (Throwable t : known) {
            assertThat(RaftKvBackend.translate(new CompletionException(t))).as("%s", t)
                    .isInstanceOf(UnavailableFailure.class);
        }
        assertThat(RaftKvBackend.translate(new NotLeaderException(1, 2))).isInstanceOf(NotLeaderFailure.class);
    }

    @Test
    void theMessageSaysWhetherTheWriteMayHaveHappened() {
        assertThat(RaftKvBackend.translate(new OutcomeUnknownException("x")).getMessage())
                .contains("outcome unknown").contains("Client-Id and Request-Seq");
        assertThat(RaftKvBackend.translate(new ProposalDroppedException("x")).getMessage()).contains("not applied");
        assertThat(RaftKvBackend.translate(new OverloadedException("x")).getMessage()).contains("not applied");
    }
}
