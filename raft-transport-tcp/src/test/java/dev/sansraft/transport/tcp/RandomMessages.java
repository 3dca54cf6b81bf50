package dev.sansraft.transport.tcp;

import dev.sansraft.core.EntryKind;
import dev.sansraft.core.LogEntry;
import dev.sansraft.core.Membership;
import dev.sansraft.core.Message;
import dev.sansraft.core.Message.AppendRequest;
import dev.sansraft.core.Message.AppendResponse;
import dev.sansraft.core.Message.InstallSnapshot;
import dev.sansraft.core.Message.InstallSnapshotResponse;
import dev.sansraft.core.Message.ReadIndexRequest;
import dev.sansraft.core.Message.ReadIndexResponse;
import dev.sansraft.core.Message.TimeoutNow;
import dev.sansraft.core.Message.VoteRequest;
import dev.sansraft.core.Message.VoteResponse;
import dev.sansraft.core.SnapshotInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded generator of valid messages, biased towards edge values (0, 1, Long.MAX_VALUE, empty payloads). */
final class RandomMessages {

    private final SplittableRandom random;

    RandomMessages(long seed) {
        this.random = new SplittableRandom(seed);
    }

    Message next(long from, long to) {
        long term = nonNegative();
        switch (random.nextInt(9)) {
            case 0: {
                boolean preVote = random.nextBoolean();
                return new VoteRequest(from, to, term, anyLong(), anyLong(), preVote, !preVote && random.nextBoolean());
            }
            case 7:
                return new TimeoutNow(from, to, term);
            case 1:
                return new VoteResponse(from, to, term, random.nextBoolean(), random.nextBoolean());
            case 2:
                return appendRequest(from, to, term, random.nextInt(8), 300);
            case 3:
                return new AppendResponse(from, to, term, random.nextBoolean(), nonNegative(), nonNegative(),
                        nonNegative(), nonNegative(), nonNegative());
            case 4:
                return new ReadIndexRequest(from, to, term, anyLong());
            case 5:
                return installSnapshot(from, to, term, random.nextInt(8), 300);
            case 6:
                return new InstallSnapshotResponse(from, to, term, nonNegative(), nonNegative(), random.nextBoolean(),
                        random.nextBoolean());
            default:
                return new ReadIndexResponse(from, to, term, anyLong(), nonNegative(), random.nextBoolean());
        }
    }

    AppendRequest appendRequest(long from, long to, long term, int entryCount, int maxPayload) {
        long prevLogIndex = random.nextInt(4) == 0 ? Long.MAX_VALUE - entryCount : random.nextLong(1L << 40);
        List<LogEntry> entries = new ArrayList<>(entryCount);
        for (int i = 0; i < entryCount; i++) {
            long entryTerm = random.nextInt(4) == 0 ? Long.MAX_VALUE : 1 + random.nextLong(1L << 30);
            EntryKind kind = EntryKind.values()[random.nextInt(EntryKind.values().length)];
            byte[] payload = new byte[random.nextInt(3) == 0 ? 0 : random.nextInt(maxPayload + 1)];
            random.nextBytes(payload);
            entries.add(new LogEntry(prevLogIndex + 1 + i, entryTerm, kind, payload));
        }
        return new AppendRequest(from, to, term, prevLogIndex, nonNegative(), entries, nonNegative(), nonNegative(),
                random.nextBoolean());
    }

    /**
     * A chunk of at most {@code maxData} bytes of a snapshot listing {@code extraMembers} members besides the two
     * routing ids; offsets and sizes are often at their edges (first chunk, last chunk, near Long.MAX_VALUE).
     */
    InstallSnapshot installSnapshot(long from, long to, long term, int extraMembers, int maxData) {
        List<Long> members = new ArrayList<>();
        members.add(from);
        if (to != from) {
            members.add(to);
        }
        while (members.size() < 2 + extraMembers) {
            long id = nodeId();
            if (!members.contains(id)) {
                members.add(id);
            }
        }
        byte[] data = new byte[random.nextInt(3) == 0 ? 0 : random.nextInt(maxData + 1)];
        random.nextBytes(data);
        long offset = edge(0, Long.MAX_VALUE - data.length, random.nextLong(1L << 40));
        long room = Long.MAX_VALUE - offset - data.length;
        long sizeBytes = offset + data.length + (room == 0 || random.nextBoolean() ? 0 : random.nextLong(room));
        long checksum = edge(0, 0xFFFF_FFFFL, random.nextLong(1L << 32));
        SnapshotInfo snapshot = new SnapshotInfo(edge(1, Long.MAX_VALUE, 1 + random.nextLong(1L << 40)),
                edge(1, Long.MAX_VALUE, 1 + random.nextLong(1L << 30)), members, sizeBytes, checksum);
        if (random.nextBoolean()) {
            snapshot = new SnapshotInfo(snapshot.index(), snapshot.term(), configuration(members), sizeBytes,
                    checksum);
        }
        return new InstallSnapshot(from, to, term, snapshot, offset, data);
    }

    /**
     * A configuration whose voters are {@code voterIds}, with endpoints, sometimes learners and sometimes the joint
     * state (the outgoing voters then a subset of the voters plus a learner, like a demotion in progress).
     */
    Membership configuration(List<Long> voterIds) {
        List<Membership.Member> voters = new ArrayList<>();
        for (long id : voterIds) {
            voters.add(new Membership.Member(id, "h" + id + ":" + random.nextInt(65536) + "/" + random.nextInt(9)));
        }
        List<Membership.Member> learners = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
            long id = nodeId();
            if (!voterIds.contains(id) && learners.stream().noneMatch(l -> l.id() == id)) {
                learners.add(new Membership.Member(id, random.nextBoolean() ? "" : "ĺearner-" + id));
            }
        }
        if (voters.size() >= 2 && random.nextBoolean()) {
            // Joint: incoming voters are all but the first; the first is outgoing only (every id still a voter).
            return new Membership(voters.subList(1, voters.size()), voters, learners);
        }
        return new Membership(voters, List.of(), learners);
    }

    long nodeId() {
        return edge(1, Long.MAX_VALUE, 1 + random.nextInt(1000));
    }

    private long nonNegative() {
        return edge(0, Long.MAX_VALUE, random.nextLong(Long.MAX_VALUE));
    }

    private long anyLong() {
        return edge(Long.MIN_VALUE, Long.MAX_VALUE, random.nextLong());
    }

    private long edge(long low, long high, long typical) {
        int pick = random.nextInt(8);
        return pick == 0 ? low : pick == 1 ? high : typical;
    }
}
