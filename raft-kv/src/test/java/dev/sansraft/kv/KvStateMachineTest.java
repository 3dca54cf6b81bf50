package dev.sansraft.kv;

import dev.sansraft.core.LogEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KvStateMachineTest {

    private final KvCommandCodec codec = KvCommandCodec.withDefaultLimits();
    private KvStateMachine sm;
    private long index;

    @BeforeEach
    void setUp() {
        sm = KvStateMachine.create();
        index = 0;
    }

    private KvResult apply(KvCommand command) {
        return codec.decodeResult(sm.apply(LogEntry.normal(++index, 1, codec.encode(command))));
    }

    private static Bytes b(String s) {
        return Bytes.ofUtf8(s);
    }

    private GetResult query(String key) {
        return (GetResult) codec.decodeResult(sm.query(codec.encode(new KvCommand.Get(null, b(key)))));
    }

    @Test
    void putThenGetReturnsTheValueAndEveryResultCarriesItsLogIndex() {
        assertThat(apply(new KvCommand.Put(null, b("a"), b("1")))).isEqualTo(new PutResult(1));
        assertThat(apply(new KvCommand.Put(null, b("a"), b("2")))).isEqualTo(new PutResult(2));
        assertThat(query("a")).isEqualTo(new GetResult("2".getBytes(), 2));
        assertThat(apply(new KvCommand.Get(null, b("a")))).as("read through the log")
                .isEqualTo(new GetResult("2".getBytes(), 3));
        assertThat(query("missing").found()).isFalse();
        assertThat(query("missing").appliedIndex()).isEqualTo(3);
        assertThat(sm.lastAppliedIndex()).isEqualTo(3);
    }

    @Test
    void deleteReportsWhetherTheKeyExisted() {
        apply(new KvCommand.Put(null, b("a"), b("1")));
        assertThat(apply(new KvCommand.Delete(null, b("a")))).isEqualTo(new DeleteResult(true, 2));
        assertThat(apply(new KvCommand.Delete(null, b("a")))).isEqualTo(new DeleteResult(false, 3));
        assertThat(query("a").found()).isFalse();
        assertThat(sm.size()).isZero();
    }

    @Test
    void compareAndSetSwapsOnlyOnAnEqualValue() {
        assertThat(apply(new KvCommand.CompareAndSet(null, b("a"), b("x"), b("y"))))
                .isEqualTo(new CasResult(CasResult.Outcome.ABSENT, 1, null));
        apply(new KvCommand.Put(null, b("a"), b("old")));
        assertThat(apply(new KvCommand.CompareAndSet(null, b("a"), b("x"), b("y"))))
                .isEqualTo(new CasResult(CasResult.Outcome.MISMATCH, 3, "old".getBytes()));
        assertThat(query("a").value()).isEqualTo("old".getBytes());
        assertThat(apply(new KvCommand.CompareAndSet(null, b("a"), b("old"), b("new"))))
                .isEqualTo(new CasResult(CasResult.Outcome.SWAPPED, 4, null));
        assertThat(query("a").value()).isEqualTo("new".getBytes());
    }

    @Test
    void emptyKeysAndValuesAreOrdinaryData() {
        apply(new KvCommand.Put(null, Bytes.EMPTY, Bytes.EMPTY));
        assertThat(query("")).isEqualTo(new GetResult(new byte[0], 1));
    }

    @Test
    void corruptCommandIsRejectedDeterministicallyWithoutChangingState() {
        apply(new KvCommand.Put(null, b("a"), b("1")));
        long before = sm.digest();
        byte[] garbage = {1, 1, 0, 100, 'x'};
        byte[] first = sm.apply(LogEntry.normal(++index, 1, garbage));
        KvResult result = codec.decodeResult(first);
        assertThat(result).isInstanceOf(KvResult.Failure.class);
        KvResult.Failure failure = (KvResult.Failure) result;
        assertThat(failure.error()).isEqualTo(KvError.MALFORMED_COMMAND);
        assertThat(failure.index()).isEqualTo(2);
        assertThat(failure.message()).contains("declares 100 bytes");
        assertThat(query("a").value()).isEqualTo("1".getBytes());

        KvStateMachine other = KvStateMachine.create();
        other.apply(LogEntry.normal(1, 1, codec.encode(new KvCommand.Put(null, b("a"), b("1")))));
        assertThat(other.apply(LogEntry.normal(2, 1, garbage))).as("same bytes on every node").isEqualTo(first);
        assertThat(other.digest()).isEqualTo(sm.digest()).isNotEqualTo(before);
    }

    @Test
    void oversizedValueInTheLogIsRejectedNotApplied() {
        KvStateMachine small = KvStateMachine.builder().limits(new KvLimits(8, 8)).build();
        byte[] big = codec.encode(new KvCommand.Put(null, b("k"), b("123456789")));
        KvResult result = codec.decodeResult(small.apply(LogEntry.normal(1, 1, big)));
        assertThat(((KvResult.Failure) result).error()).isEqualTo(KvError.MALFORMED_COMMAND);
        assertThat(small.size()).isZero();
    }

    @Test
    void queryOfSomethingElseThanAGetIsAFailureNotAnException() {
        KvResult notAGet = codec.decodeResult(sm.query(codec.encode(new KvCommand.Delete(null, b("a")))));
        assertThat(((KvResult.Failure) notAGet).error()).isEqualTo(KvError.MALFORMED_QUERY);
        KvResult garbage = codec.decodeResult(sm.query(new byte[]{7}));
        assertThat(((KvResult.Failure) garbage).error()).isEqualTo(KvError.MALFORMED_QUERY);
    }

    @Test
    void applyingAnOldIndexIsAnInvariantViolation() {
        apply(new KvCommand.Put(null, b("a"), b("1")));
        assertThatThrownBy(() -> sm.apply(LogEntry.normal(1, 1, new byte[0])))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("entry index 1 <= last applied 1");
    }

    @Test
    void nonNormalEntriesOnlyAdvanceTheAppliedIndex() {
        long before = sm.digest();
        assertThat(sm.apply(LogEntry.noop(5, 2))).isEmpty();
        assertThat(sm.lastAppliedIndex()).isEqualTo(5);
        assertThat(sm.size()).isZero();
        assertThat(sm.digest()).isNotEqualTo(before);
    }
}
