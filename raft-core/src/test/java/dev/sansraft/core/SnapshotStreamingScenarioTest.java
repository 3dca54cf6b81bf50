package dev.sansraft.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft §7, the leader's side of a chunked InstallSnapshot: which chunks it sends after each scripted answer of the
 * follower, and when. Leader 1 streams its snapshot to follower 3, whose answers the test writes itself (every message
 * to 3 is lost), while follower 2 keeps a quorum. The window is two chunks of 64 bytes, a silence of 3 ticks is a
 * timeout, two timeouts in a row are retried and the third abandons the transfer. Heartbeats go every 5 ticks, so a
 * timeout that falls between them is seen on its own.
 */
class SnapshotStreamingScenarioTest {

    private static final int CHUNK = 64;
    private static final int TIMEOUT = 3;
    private static final int RETRIES = 2;
    private static final RaftConfig STREAMING = RaftConfig.builder()
            .electionTimeoutTicks(20)
            .heartbeatIntervalTicks(5)
            .snapshotEntries(10)
            .snapshotBytes(0)
            .snapshotTrailingEntries(0)
            .snapshotChunkBytes(CHUNK)
            .snapshotChunksInFlight(2)
            .snapshotChunkTimeoutTicks(TIMEOUT)
            .snapshotMaxRetries(RETRIES)
            .build();

    /** Leader 1 in the middle of streaming its newest snapshot to follower 3, with 3's answers scripted. */
    private static final class Transfer {
        final TestCluster c;
        final long term;
        final SnapshotInfo snapshot;
        private long proposals = 1000;

        /**
         * 3 is cut off while 39 entries commit on 1 and 2 (1 snapshots and compacts at index 40, its last), then
         * rejects a heartbeat with a hint at its NOOP, which starts the transfer: chunks 0 and 64 go out.
         */
        Transfer() {
            this(STREAMING, 1);
        }

        /** As above, with {@code config}, and 3's rejection hinting that its log ends at {@code hint}. */
        Transfer(RaftConfig config, long hint) {
            c = TestCluster.of(config, 1, 2, 3);
            c.elect(1);
            c.deliverAll();
            term = c.core(1).term();
            c.isolate(3);
            for (int i = 0; i < 39; i++) {
                c.propose(1, i, "entry " + i);
                c.deliverAll();
            }
            c.heal(3);
            snapshot = c.node(1).newestSnapshot().info();
            assertThat(snapshot.index()).as("the leader snapshotted its whole log").isEqualTo(lastIndex());
            assertThat(snapshot.sizeBytes()).as("a snapshot of many chunks").isGreaterThan(6 * CHUNK);
            if (stateOf3() != PeerProgress.State.SNAPSHOT) {
                // 3 rejects a heartbeat at the leader's last index; its hint lies below the compaction point.
                deliverFrom3(new Message.AppendResponse(3, 1, term, false, 0, lastIndex(), hint, term, 0));
            }
            assertThat(stateOf3()).isEqualTo(PeerProgress.State.SNAPSHOT);
            assertThat(offsets(chunksSince(0))).as("the first window").containsExactly(0L, (long) CHUNK);
        }

        long lastIndex() {
            return c.node(1).log.lastIndex();
        }

        /** Delivers a message as if from 3, then everything else that follows, losing what goes to 3. */
        void deliverFrom3(Message m) {
            c.deliver(m);
            settle();
        }

        void answer(long nextOffset, boolean accepted) {
            deliverFrom3(new Message.InstallSnapshotResponse(3, 1, term, snapshot.index(), nextOffset, accepted,
                    false));
        }

        void installed() {
            deliverFrom3(new Message.InstallSnapshotResponse(3, 1, term, snapshot.index(), snapshot.sizeBytes(),
                    true, true));
        }

        void tick(int times) {
            for (int i = 0; i < times; i++) {
                c.tick(1, 1);
                settle();
            }
        }

        /** Ticks the leader until it sends a heartbeat round, so that the next one is 5 ticks away. */
        void tickUntilHeartbeat() {
            for (int i = 0; i < 10; i++) {
                int mark = c.node(1).mark();
                tick(1);
                if (!c.node(1).sentSince(mark, Message.AppendRequest.class).isEmpty()) {
                    return;
                }
            }
            throw new AssertionError("no heartbeat in 10 ticks");
        }

        void propose(String payload) {
            c.propose(1, proposals++, payload);
            settle();
        }

        private void settle() {
            c.deliverWhere(m -> m.to() != 3);
            c.dropWhere(TestCluster.to(3));
        }

        int mark() {
            return c.node(1).mark();
        }

        List<Action.SendSnapshotChunk> chunksSince(int mark) {
            List<Action.SendSnapshotChunk> chunks = new ArrayList<>();
            for (Action a : c.node(1).actions.subList(mark, c.node(1).actions.size())) {
                if (a instanceof Action.SendSnapshotChunk && ((Action.SendSnapshotChunk) a).to() == 3) {
                    chunks.add((Action.SendSnapshotChunk) a);
                }
            }
            return chunks;
        }

        List<Message.AppendRequest> appendsTo3Since(int mark) {
            List<Message.AppendRequest> appends = new ArrayList<>();
            for (Message.AppendRequest a : c.node(1).sentSince(mark, Message.AppendRequest.class)) {
                if (a.to() == 3) {
                    appends.add(a);
                }
            }
            return appends;
        }

        PeerProgress progressOf3() {
            return c.core(1).status().peers().stream().filter(p -> p.id() == 3).findFirst().orElseThrow();
        }

        PeerProgress.State stateOf3() {
            return progressOf3().state();
        }
    }

    private static List<Long> offsets(List<Action.SendSnapshotChunk> chunks) {
        List<Long> offsets = new ArrayList<>();
        for (Action.SendSnapshotChunk ch : chunks) {
            offsets.add(ch.offset());
        }
        return offsets;
    }

    @Test
    @DisplayName("§7: a chunk the follower did not take is sent again at once, from the offset it holds")
    void aRejectedChunkIsResentAtOnceFromTheFollowersOffset() {
        Transfer t = new Transfer();
        int mark = t.mark();
        // Chunk 0 was lost; chunk 64 arrived out of order and is answered with "I hold 0 bytes".
        t.answer(0, false);
        assertThat(offsets(t.chunksSince(mark))).as("resent in the same step").containsExactly(0L, (long) CHUNK);
    }

    @Test
    @DisplayName("§7: a late confirmation of the rewind point does not make a duplicated rejection rewind again")
    void aConfirmationAtTheRewindPointDoesNotReopenIt() {
        Transfer t = new Transfer();
        int taken = t.mark();
        t.answer(CHUNK, true);
        assertThat(offsets(t.chunksSince(taken))).as("chunk 0 taken frees the window for chunk 128")
                .containsExactly(2L * CHUNK);
        t.answer(CHUNK, false); // chunk 64 was lost, 128 is rejected: rewind to 64
        int mark = t.mark();
        t.answer(CHUNK, true); // a duplicate of chunk 0, answered late
        t.answer(CHUNK, false); // the network duplicated the rejection
        assertThat(t.chunksSince(mark)).as("one rewind per lost chunk: nothing more while the resends are on the way")
                .isEmpty();
    }

    @Test
    @DisplayName("§7: after a silence, unconfirmed chunks go again at the timeout, from the confirmed offset")
    void aSilentFollowerIsAskedAgainFromTheConfirmedOffsetAtTheTimeout() {
        Transfer t = new Transfer();
        t.tickUntilHeartbeat();
        t.answer(CHUNK, true);
        int mark = t.mark();
        t.tick(TIMEOUT - 1);
        assertThat(t.chunksSince(mark)).as("before the timeout").isEmpty();
        t.tick(1);
        List<Action.SendSnapshotChunk> resent = t.chunksSince(mark);
        assertThat(offsets(resent)).as("at the timeout tick, one window from the confirmed offset")
                .containsExactly((long) CHUNK, 2L * CHUNK);
        assertThat(resent).allMatch(ch -> ch.snapshot().equals(t.snapshot));
    }

    @Test
    @DisplayName("§7: a follower that takes a chunk is not timed out by the silence before it")
    void anAcceptedChunkRestartsTheSilenceTimer() {
        Transfer t = new Transfer();
        t.tick(TIMEOUT - 1);
        t.answer(CHUNK, true);
        int mark = t.mark();
        t.tick(TIMEOUT - 1);
        assertThat(t.chunksSince(mark)).as("%d ticks after an answer", TIMEOUT - 1).isEmpty();
    }

    @Test
    @DisplayName("§7: a follower that rejects a chunk is not timed out by the silence before it")
    void aRejectedChunkRestartsTheSilenceTimer() {
        Transfer t = new Transfer();
        t.tick(TIMEOUT - 1);
        t.answer(0, false);
        int mark = t.mark();
        t.tick(TIMEOUT - 1);
        assertThat(t.chunksSince(mark)).as("%d ticks after an answer", TIMEOUT - 1).isEmpty();
    }

    @Test
    @DisplayName("§7: a silent follower is asked again exactly snapshotMaxRetries times, then the transfer is dropped")
    void aSilentFollowerIsRetriedExactlyMaxRetriesTimes() {
        Transfer t = new Transfer();
        t.tick((RETRIES + 3) * TIMEOUT);
        List<Action.SendSnapshotChunk> all = t.chunksSince(0);
        assertThat(all).filteredOn(ch -> ch.offset() == 0).as("the first send and one per retry")
                .hasSize(1 + RETRIES);
        assertThat(all).as("a window each time").hasSize(2 * (1 + RETRIES));
        assertThat(t.stateOf3()).isEqualTo(PeerProgress.State.PROBE);
    }

    @Test
    @DisplayName("§7: a follower that answers after the transfer was dropped gets it again at the next heartbeat")
    void anAnswerAfterTheTransferWasDroppedRestartsItAtTheNextHeartbeat() {
        Transfer t = new Transfer();
        t.tick((RETRIES + 1) * TIMEOUT);
        assertThat(t.stateOf3()).as("abandoned").isEqualTo(PeerProgress.State.PROBE);
        int abandoned = t.mark();
        t.tickUntilHeartbeat();
        assertThat(t.chunksSince(abandoned)).as("nothing while 3 is silent").isEmpty();
        // A chunk answer delayed in the network arrives: 3 is back.
        t.answer(CHUNK, true);
        int mark = t.mark();
        t.tickUntilHeartbeat();
        assertThat(offsets(t.chunksSince(mark))).as("a new transfer with the heartbeat")
                .containsExactly(0L, (long) CHUNK);
        assertThat(t.stateOf3()).isEqualTo(PeerProgress.State.SNAPSHOT);
    }

    @Test
    @DisplayName("§7: a silent transfer of an outdated snapshot restarts with the newest one at the timeout tick")
    void aSilentTransferRestartsWithTheNewestSnapshotAtTheTimeoutTick() {
        Transfer t = new Transfer();
        t.tickUntilHeartbeat();
        t.answer(CHUNK, true);
        for (int i = 0; i < 12; i++) {
            t.propose("newer " + i);
        }
        SnapshotInfo newest = t.c.node(1).newestSnapshot().info();
        assertThat(newest.index()).isGreaterThan(t.snapshot.index());
        t.tick(TIMEOUT - 1);
        int mark = t.mark();
        t.tick(1);
        List<Action.SendSnapshotChunk> restarted = t.chunksSince(mark);
        assertThat(offsets(restarted)).as("at the timeout tick").containsExactly(0L, (long) CHUNK);
        assertThat(restarted).allMatch(ch -> ch.snapshot().equals(newest));
    }

    @Test
    @DisplayName("§7: a follower that confirmed every byte but was not heard to install is asked with an empty chunk")
    void aFullyConfirmedButUninstalledTransferIsProbedWithAnEmptyChunk() {
        Transfer t = new Transfer();
        long size = t.snapshot.sizeBytes();
        for (long held = CHUNK; held < size; held += CHUNK) {
            t.answer(held, true);
        }
        t.tickUntilHeartbeat();
        t.answer(size, true);
        int mark = t.mark();
        t.tick(TIMEOUT);
        assertThat(t.chunksSince(mark)).as("one empty chunk at the end: the follower answers where it stands")
                .singleElement().satisfies(ch -> {
                    assertThat(ch.offset()).isEqualTo(size);
                    assertThat(ch.length()).isZero();
                });
    }

    @Test
    @DisplayName("§7: once the follower installed the snapshot, appends resume right after its index")
    void anInstalledSnapshotIsFollowedAtOnceByTheEntriesAfterIt() {
        Transfer t = new Transfer();
        t.propose("after the snapshot");
        int mark = t.mark();
        t.installed();
        assertThat(t.appendsTo3Since(mark)).as("a probe right after the snapshot's index").singleElement()
                .satisfies(a -> {
                    assertThat(a.prevLogIndex()).isEqualTo(t.snapshot.index());
                    assertThat(a.entries()).extracting(LogEntry::index).containsExactly(t.snapshot.index() + 1);
                });
        assertThat(t.progressOf3().matchIndex()).isEqualTo(t.snapshot.index());
        assertThat(t.chunksSince(mark)).isEmpty();
    }

    @Test
    @DisplayName("§7 and §5.3: a snapshot reaching the leader's last index matches it, and the next heartbeat "
            + "answered moves the follower to pipelining")
    void aSnapshotOfTheWholeLogMatchesTheFollowerAndAHeartbeatStartsPipelining() {
        Transfer t = new Transfer();
        t.installed();
        assertThat(t.progressOf3()).satisfies(p -> {
            assertThat(p.matchIndex()).isEqualTo(t.lastIndex());
            assertThat(p.state()).isEqualTo(PeerProgress.State.PROBE);
        });
        int mark = t.mark();
        t.tickUntilHeartbeat();
        Message.AppendRequest heartbeat = t.appendsTo3Since(mark).get(0);
        assertThat(heartbeat.prevLogIndex()).isEqualTo(t.lastIndex());
        t.deliverFrom3(new Message.AppendResponse(3, 1, t.term, true, t.lastIndex(), 0, 0, 0, heartbeat.round()));
        assertThat(t.stateOf3()).as("the empty probe was answered at its prev").isEqualTo(PeerProgress.State.REPLICATE);
        int beforeProposals = t.mark();
        t.c.stepAll(1, List.of(new Event.Propose(1, new byte[] {1}), new Event.Propose(2, new byte[] {2})));
        assertThat(t.appendsTo3Since(beforeProposals)).as("both new entries go out without waiting")
                .flatExtracting(Message.AppendRequest::entries).extracting(LogEntry::index)
                .containsExactly(t.lastIndex() - 1, t.lastIndex());
    }

    @Test
    @DisplayName("§7: a heartbeat matched at the compaction point ends the transfer; entries follow at once")
    void aHeartbeatMatchedAtTheCompactionPointEndsTheTransfer() {
        Transfer t = new Transfer();
        long compacted = t.snapshot.index();
        t.propose("after the snapshot");
        int mark = t.mark();
        // 3 got its log up to the compaction point some other way (a transfer from an earlier leader, say).
        t.deliverFrom3(new Message.AppendResponse(3, 1, t.term, true, compacted, 0, 0, 0, 0));
        assertThat(t.appendsTo3Since(mark)).as("the entries after the compaction point, in the same step")
                .singleElement().satisfies(a -> {
                    assertThat(a.prevLogIndex()).isEqualTo(compacted);
                    assertThat(a.entries()).extracting(LogEntry::index).containsExactly(compacted + 1);
                });
        assertThat(t.stateOf3()).isEqualTo(PeerProgress.State.PROBE);
    }

    @Test
    @DisplayName("§7: a follower moved from pipelining to a snapshot has no appends in flight")
    void aFollowerMovedToASnapshotHasNoAppendsInFlight() {
        // With a window of 4 appends, 3's window fills while it is cut off, before the leader compacts past it.
        Transfer t = new Transfer(STREAMING.toBuilder().maxInflightAppends(4).build(), 1);
        assertThat(t.progressOf3().inflight()).isZero();
    }

    @Test
    @DisplayName("§7 receiver: a chunk holding only bytes already received is answered as taken")
    void aDuplicateChunkIsAnsweredAsTaken() {
        Transfer t = new Transfer();
        byte[] payload = t.c.node(1).newestSnapshot().payload();
        Message.InstallSnapshot first = new Message.InstallSnapshot(1, 3, t.term, t.snapshot, 0,
                Arrays.copyOfRange(payload, 0, CHUNK));
        t.c.deliver(first);
        int mark = t.c.node(3).mark();
        t.c.deliver(first);
        assertThat(t.c.node(3).sentSince(mark, Message.InstallSnapshotResponse.class)).singleElement()
                .satisfies(r -> {
                    assertThat(r.accepted()).isTrue();
                    assertThat(r.nextOffset()).isEqualTo(CHUNK);
                });
    }

    @Test
    @DisplayName("§7 receiver: a chunk overlapping the received bytes' end is refused with the offset to resume at")
    void anOverlappingChunkIsRefusedWithTheOffsetToResumeAt() {
        Transfer t = new Transfer();
        byte[] payload = t.c.node(1).newestSnapshot().payload();
        t.c.deliver(new Message.InstallSnapshot(1, 3, t.term, t.snapshot, 0, Arrays.copyOfRange(payload, 0, CHUNK)));
        int mark = t.c.node(3).mark();
        int half = CHUNK / 2;
        t.c.deliver(new Message.InstallSnapshot(1, 3, t.term, t.snapshot, half,
                Arrays.copyOfRange(payload, half, half + CHUNK)));
        assertThat(t.c.node(3).sentSince(mark, Message.InstallSnapshotResponse.class)).singleElement()
                .satisfies(r -> {
                    assertThat(r.accepted()).isFalse();
                    assertThat(r.nextOffset()).isEqualTo(CHUNK);
                });
    }

    @Test
    @DisplayName("§7: a snapshot reported installed after the leader gave up on it still counts as matched")
    void aSnapshotInstalledAfterTheTransferWasDroppedCounts() {
        // 3's log ends one entry short of the snapshot's index: the leader still sends the snapshot (§7).
        Transfer t = new Transfer(STREAMING, 39);
        t.tick((RETRIES + 1) * TIMEOUT);
        assertThat(t.stateOf3()).as("abandoned").isEqualTo(PeerProgress.State.PROBE);
        // Its last chunks did arrive, and the answer that it installed the snapshot comes late.
        t.installed();
        assertThat(t.progressOf3()).satisfies(p -> {
            assertThat(p.matchIndex()).isEqualTo(t.snapshot.index());
            assertThat(p.nextIndex()).isEqualTo(t.snapshot.index() + 1);
        });
        t.propose("after the snapshot");
        assertThat(t.appendsTo3Since(0)).as("entries go to 3 again, right after the snapshot")
                .anyMatch(a -> a.prevLogIndex() == t.snapshot.index() && !a.entries().isEmpty());
    }

    @Test
    @DisplayName("§5.3 and §7: a new leader's probe rejected by an empty log starts the snapshot at once")
    void aFollowerWithAnEmptyLogGetsTheSnapshotAfterOneRejection() {
        TestCluster c = TestCluster.of(STREAMING.toBuilder().snapshotTrailingEntries(2).build(), 1, 2, 3);
        c.isolate(3);
        c.elect(1);
        c.deliverAll();
        for (int i = 0; i < 39; i++) {
            c.propose(1, i, "entry " + i);
            c.deliverAll();
        }
        long compacted = c.core(2).firstLogIndex() - 1;
        assertThat(compacted).as("2 compacted too, keeping two entries").isGreaterThan(1);
        assertThat(c.node(3).log.lastIndex()).as("3 never heard from anyone").isZero();
        c.isolate(1);
        c.heal(3);
        int mark = c.node(2).mark();
        c.elect(2);
        c.tickAll(3);
        List<Action> byTwo = c.node(2).actions.subList(mark, c.node(2).actions.size());
        int firstChunk = -1;
        List<Long> probesBefore = new ArrayList<>();
        for (int i = 0; i < byTwo.size() && firstChunk < 0; i++) {
            Action a = byTwo.get(i);
            if (a instanceof Action.SendSnapshotChunk && ((Action.SendSnapshotChunk) a).to() == 3) {
                firstChunk = i;
            } else if (a instanceof Action.Send && ((Action.Send) a).message() instanceof Message.AppendRequest
                    && ((Action.Send) a).message().to() == 3) {
                probesBefore.add(((Message.AppendRequest) ((Action.Send) a).message()).prevLogIndex());
            }
        }
        assertThat(firstChunk).as("2 sends 3 its snapshot").isPositive();
        assertThat(probesBefore).as("no probe at the compaction point first: the hint says 3 holds nothing")
                .isNotEmpty().doesNotContain(compacted);
        assertThat(c.node(3).applied).as("3 caught up").isEqualTo(c.node(2).applied);
    }

    @Test
    @DisplayName("§7 receiver: an empty snapshot arrives as one empty chunk, which completes it")
    void anEmptySnapshotIsTakenFromItsOneEmptyChunk() {
        RaftCore core = RaftCore.create(3, List.of(1L, 2L, 3L), STREAMING, new InMemoryLog(), new HardState(1, 0));
        byte[] none = new byte[0];
        SnapshotInfo empty = new SnapshotInfo(5, 1, List.of(1L, 2L, 3L), 0, TestCluster.crc(none));
        List<Action> taken = core.step(new Event.Receive(new Message.InstallSnapshot(1, 3, 1, empty, 0, none)));
        assertThat(taken).filteredOn(a -> a instanceof Action.WriteSnapshotChunk).singleElement()
                .satisfies(a -> assertThat(((Action.WriteSnapshotChunk) a).isLast()).isTrue());
    }
}
