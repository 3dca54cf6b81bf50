package dev.sansraft.kv;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KvSessionTest {

    private static final long CLIENT = 0xC1_1E47L;
    private final KvCommandCodec codec = KvCommandCodec.withDefaultLimits();
    private KvStateMachine sm = KvStateMachine.create();
    private long index;

    private byte[] applyRaw(KvCommand command) {
        return sm.apply(LogEntry.normal(++index, 1, codec.encode(command)));
    }

    private KvResult apply(KvCommand command) {
        return codec.decodeResult(applyRaw(command));
    }

    private static Bytes b(String s) {
        return Bytes.ofUtf8(s);
    }

    private static SessionTag single(long sequence) {
        return new ClientRequest(CLIENT, sequence).toTag();
    }

    private byte[] value(String key) {
        Bytes v = sm.get(b(key));
        return v == null ? null : v.toByteArray();
    }

    @Test
    void duplicateReturnsTheSavedResponseWithoutApplyingAgain() {
        KvCommand cas = new KvCommand.CompareAndSet(single(1), b("a"), b("x"), b("y"));
        apply(new KvCommand.Put(null, b("a"), b("x")));
        byte[] first = applyRaw(cas);
        assertThat(codec.decodeResult(first)).isEqualTo(new CasResult(CasResult.Outcome.SWAPPED, 2, null));
        apply(new KvCommand.Put(null, b("a"), b("x"))); // someone resets the value
        byte[] retry = applyRaw(cas);
        assertThat(retry).as("the saved response, with the original index 2").isEqualTo(first);
        assertThat(value("a")).as("the retry did not swap again").isEqualTo("x".getBytes());
    }

    @Test
    void lowerSequenceIsStaleAndNotApplied() {
        apply(new KvCommand.Put(single(1), b("a"), b("1")));
        apply(new KvCommand.Put(single(2), b("a"), b("2")));
        KvResult stale = apply(new KvCommand.Put(single(1), b("a"), b("1")));
        assertThat(stale).isInstanceOf(KvResult.Failure.class);
        assertThat(((KvResult.Failure) stale).error()).isEqualTo(KvError.STALE_SEQUENCE);
        assertThat(((KvResult.Failure) stale).message()).contains("sequence 1").contains("below 2");
        assertThat(value("a")).isEqualTo("2".getBytes());
    }

    @Test
    void higherSequenceIsAppliedAndGapsAreAllowed() {
        apply(new KvCommand.Put(single(1), b("a"), b("1")));
        assertThat(apply(new KvCommand.Put(single(5), b("a"), b("5")))).isEqualTo(new PutResult(2));
        assertThat(value("a")).isEqualTo("5".getBytes());
    }

    @Test
    void pipelinedSequencesMayApplyOutOfOrderButEachOnlyOnce() {
        // The client has 1, 2 and 3 in flight; 2 and 3 commit first, then 1 is retried.
        apply(new KvCommand.Put(new SessionTag(CLIENT, 2, 1), b("b"), b("2")));
        apply(new KvCommand.Put(new SessionTag(CLIENT, 3, 1), b("c"), b("3")));
        assertThat(apply(new KvCommand.Put(new SessionTag(CLIENT, 1, 1), b("a"), b("1"))))
                .isEqualTo(new PutResult(3));
        assertThat(apply(new KvCommand.Delete(new SessionTag(CLIENT, 2, 1), b("b"))))
                .as("retry of 2 returns the saved put result").isEqualTo(new PutResult(1));
        assertThat(value("b")).isEqualTo("2".getBytes());
        // The client acknowledges everything below 4: the saved responses go and retries become stale.
        apply(new KvCommand.Put(new SessionTag(CLIENT, 4, 4), b("d"), b("4")));
        KvResult stale = apply(new KvCommand.Put(new SessionTag(CLIENT, 3, 3), b("c"), b("again")));
        assertThat(((KvResult.Failure) stale).error()).isEqualTo(KvError.STALE_SEQUENCE);
        assertThat(value("c")).isEqualTo("3".getBytes());
    }

    @Test
    void tooManyUnacknowledgedResponsesRaiseTheFloorInsteadOfReapplying() {
        sm = KvStateMachine.builder().maxResponsesPerSession(2).build();
        for (long seq = 1; seq <= 3; seq++) {
            apply(new KvCommand.Put(new SessionTag(CLIENT, seq, 1), b("k" + seq), b("v")));
        }
        apply(new KvCommand.Delete(null, b("k1")));
        KvResult retry = apply(new KvCommand.Put(new SessionTag(CLIENT, 1, 1), b("k1"), b("v")));
        assertThat(((KvResult.Failure) retry).error()).as("evicted response is stale, not re-applied")
                .isEqualTo(KvError.STALE_SEQUENCE);
        assertThat(value("k1")).isNull();
        assertThat(apply(new KvCommand.Put(new SessionTag(CLIENT, 3, 1), b("k3"), b("x")))).isEqualTo(new PutResult(3));
    }

    @Test
    void sessionsExpireByLogIndexOnly() {
        sm = KvStateMachine.builder().sessionExpiryEntries(10).build();
        apply(new KvCommand.Put(single(1), b("a"), b("1"))); // index 1, client seen at 1
        apply(new KvCommand.Put(new SessionTag(7, 1, 1), b("z"), b("z"))); // index 2, another client
        while (index < 11) {
            apply(new KvCommand.Get(null, b("a")));
        }
        assertThat(sm.sessionCount()).as("at index 11, client seen at 1 is exactly 10 entries old").isEqualTo(2);
        apply(new KvCommand.Get(null, b("a"))); // index 12
        assertThat(sm.sessionCount()).isEqualTo(1);
        apply(new KvCommand.Put(null, b("a"), b("changed")));
        // The expired client's retry is treated as a new session and applies again: the documented window.
        assertThat(apply(new KvCommand.Put(single(1), b("a"), b("1")))).isEqualTo(new PutResult(14));
        assertThat(value("a")).isEqualTo("1".getBytes());
    }

    @Test
    void expiryIsAlsoDecidedByIndexGapsFromSkippedEntries() {
        sm = KvStateMachine.builder().sessionExpiryEntries(10).build();
        sm.apply(LogEntry.normal(1, 1, codec.encode(new KvCommand.Put(single(1), b("a"), b("1")))));
        sm.apply(LogEntry.normal(50, 1, codec.encode(new KvCommand.Get(null, b("a")))));
        assertThat(sm.sessionCount()).isZero();
    }

    @Test
    void leastRecentlySeenSessionIsEvictedWhenTheTableIsFull() {
        sm = KvStateMachine.builder().maxSessions(2).build();
        apply(new KvCommand.Put(new SessionTag(1, 1, 1), b("a"), b("1")));
        apply(new KvCommand.Put(new SessionTag(2, 1, 1), b("a"), b("2")));
        apply(new KvCommand.Put(new SessionTag(1, 2, 2), b("a"), b("3"))); // client 1 seen again
        apply(new KvCommand.Put(new SessionTag(3, 1, 1), b("a"), b("4"))); // evicts client 2
        assertThat(sm.sessionCount()).isEqualTo(2);
        assertThat(apply(new KvCommand.Put(new SessionTag(1, 2, 2), b("a"), b("5"))))
                .as("client 1 kept its session").isEqualTo(new PutResult(3));
        assertThat(apply(new KvCommand.Put(new SessionTag(2, 1, 1), b("a"), b("6"))))
                .as("client 2 starts over").isEqualTo(new PutResult(6));
    }
}
