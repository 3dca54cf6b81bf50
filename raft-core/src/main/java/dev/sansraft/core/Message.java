package dev.sansraft.core;

import java.util.Arrays;
import java.util.List;

/**
 * A message between two Raft nodes. The {@code permits} list is the complete wire protocol.
 *
 * <p>Every message carries the sender ({@code from}), the recipient ({@code to}) and the sender's term. Node ids are
 * positive. Messages are immutable records and thread-safe; the entries inside an {@link AppendRequest} follow the
 * ownership rule of {@link LogEntry}.
 */
public sealed interface Message
        permits Message.VoteRequest, Message.VoteResponse, Message.AppendRequest, Message.AppendResponse,
        Message.ReadIndexRequest, Message.ReadIndexResponse, Message.InstallSnapshot,
        Message.InstallSnapshotResponse, Message.TimeoutNow {

    /** {@return the sender's node id} */
    long from();

    /** {@return the recipient's node id} */
    long to();

    /** {@return the sender's term (for a PreVote, the term it would campaign in)} */
    long term();

    /**
     * RequestVote (Raft §5.2), or a PreVote probe (thesis §9.6) when {@code preVote} is set. A PreVote carries the
     * term the sender would campaign in, without the sender having moved to it.
     *
     * @param from the candidate's id
     * @param to the voter's id
     * @param term the candidate's term, or for a PreVote the term it would campaign in
     * @param lastLogIndex the index of the candidate's last log entry
     * @param lastLogTerm the term of the candidate's last log entry
     * @param preVote true for a PreVote probe
     * @param leadershipTransfer the candidate campaigns because its leader sent it {@link TimeoutNow} (thesis
     *                           §3.10): voters grant it even though they heard from that leader recently. This does
     *                           not weaken lease reads: the request is for the term after the transferring leader's,
     *                           so the only lease it can bypass is that leader's, and a leader stops serving lease
     *                           reads for the rest of its term as soon as it starts a transfer. Any later leader's
     *                           voters are already in a term at least this one, where the usual one-vote rule holds.
     */
    record VoteRequest(long from, long to, long term, long lastLogIndex, long lastLogTerm, boolean preVote,
                       boolean leadershipTransfer) implements Message {
        /**
         * Checks the header and that a transfer is not a PreVote.
         *
         * @param from the candidate's id
         * @param to the voter's id
         * @param term the candidate's term, or for a PreVote the term it would campaign in
         * @param lastLogIndex the index of the candidate's last log entry
         * @param lastLogTerm the term of the candidate's last log entry
         * @param preVote true for a PreVote probe
         * @param leadershipTransfer the candidate campaigns because its leader sent it {@link TimeoutNow} (thesis
         *     §3.10): voters grant it even though they heard from that leader recently. This does not weaken lease
         *     reads: the request is for the term after the transferring leader's, so the only lease it can bypass is
         *     that leader's, and a leader stops serving lease reads for the rest of its term as soon as it starts a
         *     transfer. Any later leader's voters are already in a term at least this one, where the usual one-vote
         *     rule holds.
         * @throws IllegalArgumentException if an id or the term is invalid, or both flags are set
         */
        public VoteRequest {
            Messages.checkHeader(from, to, term);
            if (preVote && leadershipTransfer) {
                throw new IllegalArgumentException("a leadership transfer skips PreVote: vote request from " + from
                        + " has both flags");
            }
        }

        /**
         * An ordinary vote request or pre-vote, not part of a leadership transfer.
         *
         * @param from the candidate's id
         * @param to the voter's id
         * @param term the candidate's term, or for a PreVote the term it would campaign in
         * @param lastLogIndex the index of the candidate's last log entry
         * @param lastLogTerm the term of the candidate's last log entry
         * @param preVote true for a PreVote probe
         */
        public VoteRequest(long from, long to, long term, long lastLogIndex, long lastLogTerm, boolean preVote) {
            this(from, to, term, lastLogIndex, lastLogTerm, preVote, false);
        }
    }

    /**
     * The answer to a {@link VoteRequest}; {@code preVote} echoes the request's flag.
     *
     * @param from the voter's id
     * @param to the candidate's id
     * @param term the voter's term
     * @param voteGranted true if the voter grants its vote
     * @param preVote true if this answers a PreVote
     */
    record VoteResponse(long from, long to, long term, boolean voteGranted, boolean preVote) implements Message {
        /**
         * Checks the header.
         *
         * @param from the voter's id
         * @param to the candidate's id
         * @param term the voter's term
         * @param voteGranted true if the voter grants its vote
         * @param preVote true if this answers a PreVote
         * @throws IllegalArgumentException if an id or the term is invalid
         */
        public VoteResponse {
            Messages.checkHeader(from, to, term);
        }
    }

    /**
     * AppendEntries (Raft §5.3): zero or more entries following {@code (prevLogIndex, prevLogTerm)}, plus the
     * leader's commit index. With no entries it is a heartbeat, or the leader's notice of a new commit index. A
     * follower answers one with no entries only when the answer is news to the leader: a round it has not answered,
     * a match index beyond the one it acknowledged, or a rejection.
     *
     * @param from the leader's id
     * @param to the follower's id
     * @param term the leader's term
     * @param prevLogIndex the index of the entry just before {@code entries}
     * @param prevLogTerm the term of that entry
     * @param entries the entries to append, possibly none
     * @param leaderCommit the leader's commit index
     * @param round a leader-local counter the follower echoes in its response; the leader uses it to learn that a
     *              quorum acknowledged it after a given moment (ReadIndex, CheckQuorum, leases)
     * @param roundAwaited true when reads wait on {@code round} (thesis §6.4): a follower then answers at once, before
     *              the entries are durable, as well as when they are; otherwise it answers an append with entries
     *              once, when they are durable
     */
    record AppendRequest(long from, long to, long term, long prevLogIndex, long prevLogTerm, List<LogEntry> entries,
                         long leaderCommit, long round, boolean roundAwaited) implements Message {
        /**
         * Copies the entries and checks the header and the indexes.
         *
         * @param from the leader's id
         * @param to the follower's id
         * @param term the leader's term
         * @param prevLogIndex the index of the entry just before {@code entries}
         * @param prevLogTerm the term of that entry
         * @param entries the entries to append, possibly none
         * @param leaderCommit the leader's commit index
         * @param round a leader-local counter the follower echoes in its response; the leader uses it to learn that a
         *     quorum acknowledged it after a given moment (ReadIndex, CheckQuorum, leases)
         * @param roundAwaited true when reads wait on {@code round}, so the follower answers before its disk write
         * @throws IllegalArgumentException if an id, the term or an index is invalid
         */
        public AppendRequest {
            Messages.checkHeader(from, to, term);
            entries = List.copyOf(entries);
            if (prevLogIndex < 0 || prevLogTerm < 0 || leaderCommit < 0 || round < 0) {
                throw new IllegalArgumentException("negative field in append request: prevLogIndex=" + prevLogIndex
                        + " prevLogTerm=" + prevLogTerm + " leaderCommit=" + leaderCommit + " round=" + round);
            }
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i).index() != prevLogIndex + 1 + i) {
                    throw new IllegalArgumentException("append entries not contiguous after prevLogIndex "
                            + prevLogIndex + ": entry " + i + " has index " + entries.get(i).index());
                }
            }
        }

        /**
         * An append whose round no read waits on.
         *
         * @param from the leader's id
         * @param to the follower's id
         * @param term the leader's term
         * @param prevLogIndex the index of the entry just before {@code entries}
         * @param prevLogTerm the term of that entry
         * @param entries the entries to append, possibly none
         * @param leaderCommit the leader's commit index
         * @param round the leader's round, echoed in the response
         * @throws IllegalArgumentException if an id, the term or an index is invalid
         */
        public AppendRequest(long from, long to, long term, long prevLogIndex, long prevLogTerm, List<LogEntry> entries,
                             long leaderCommit, long round) {
            this(from, to, term, prevLogIndex, prevLogTerm, entries, leaderCommit, round, false);
        }

        /** {@return the index of the last entry carried, or {@code prevLogIndex} for a heartbeat} */
        public long lastIndex() {
            return prevLogIndex + entries.size();
        }
    }

    /**
     * The answer to an {@link AppendRequest}.
     *
     * <p>On success {@code matchIndex} is the highest index the follower knows matches the leader's log and has made
     * durable. On rejection {@code rejectedIndex} is the {@code prevLogIndex} that did not match, and
     * {@code (conflictIndex, conflictTerm)} is the fast-backtracking hint: the follower's last index at or below
     * {@code rejectedIndex} whose term is at most the request's {@code prevLogTerm}, and that entry's term.
     *
     * @param from the follower's id
     * @param to the leader's id
     * @param term the follower's term
     * @param success true if the entries were appended
     * @param matchIndex on success, the highest index known to match and be durable
     * @param rejectedIndex on rejection, the {@code prevLogIndex} that did not match
     * @param conflictIndex on rejection, the backtracking hint's index
     * @param conflictTerm on rejection, the term at {@code conflictIndex}
     * @param round echoes {@link AppendRequest#round()}
     */
    record AppendResponse(long from, long to, long term, boolean success, long matchIndex, long rejectedIndex,
                          long conflictIndex, long conflictTerm, long round) implements Message {
        /**
         * Checks the header and that no index is negative.
         *
         * @param from the follower's id
         * @param to the leader's id
         * @param term the follower's term
         * @param success true if the entries were appended
         * @param matchIndex on success, the highest index known to match and be durable
         * @param rejectedIndex on rejection, the {@code prevLogIndex} that did not match
         * @param conflictIndex on rejection, the backtracking hint's index
         * @param conflictTerm on rejection, the term at {@code conflictIndex}
         * @param round echoes {@link AppendRequest#round()}
         * @throws IllegalArgumentException if an id, the term or an index is invalid
         */
        public AppendResponse {
            Messages.checkHeader(from, to, term);
            if (matchIndex < 0 || rejectedIndex < 0 || conflictIndex < 0 || conflictTerm < 0 || round < 0) {
                throw new IllegalArgumentException("negative field in append response: matchIndex=" + matchIndex
                        + " rejectedIndex=" + rejectedIndex + " conflictIndex=" + conflictIndex
                        + " conflictTerm=" + conflictTerm + " round=" + round);
            }
        }
    }

    /**
     * A follower asks the leader for a read index on behalf of a linearizable read (thesis §6.4).
     *
     * @param from the follower's id
     * @param to the leader's id
     * @param term the follower's term
     * @param readId the follower's id for the read, echoed in the answer
     */
    record ReadIndexRequest(long from, long to, long term, long readId) implements Message {
        /**
         * Checks the header.
         *
         * @param from the follower's id
         * @param to the leader's id
         * @param term the follower's term
         * @param readId the follower's id for the read, echoed in the answer
         * @throws IllegalArgumentException if an id or the term is invalid
         */
        public ReadIndexRequest {
            Messages.checkHeader(from, to, term);
        }
    }

    /**
     * The leader's answer to a {@link ReadIndexRequest}: when {@code success}, the follower may serve the read once it
     * has applied {@code readIndex}.
     *
     * @param from the leader's id
     * @param to the follower's id
     * @param term the leader's term
     * @param readId echoes {@link ReadIndexRequest#readId()}
     * @param readIndex the index the follower must apply before serving the read
     * @param success true if the leader could confirm its leadership
     */
    record ReadIndexResponse(long from, long to, long term, long readId, long readIndex, boolean success)
            implements Message {
        /**
         * Checks the header and the read index.
         *
         * @param from the leader's id
         * @param to the follower's id
         * @param term the leader's term
         * @param readId echoes {@link ReadIndexRequest#readId()}
         * @param readIndex the index the follower must apply before serving the read
         * @param success true if the leader could confirm its leadership
         * @throws IllegalArgumentException if an id or the term is invalid, or the read index is negative
         */
        public ReadIndexResponse {
            Messages.checkHeader(from, to, term);
            if (readIndex < 0) {
                throw new IllegalArgumentException("negative read index " + readIndex);
            }
        }
    }

    /**
     * One chunk of a snapshot a leader streams to a follower that needs entries the leader has compacted away
     * (Raft §7, with the data split into chunks so no side ever holds a whole snapshot). Chunks are sent in order
     * from {@code offset} 0; the one that ends at {@link SnapshotInfo#sizeBytes()} is the last. An empty snapshot is
     * sent as one empty chunk.
     *
     * <p>{@code data} is owned by the message once constructed: neither side modifies it afterwards.
     *
     * @param from the leader's id
     * @param to the follower's id
     * @param term the leader's term
     * @param snapshot which snapshot, with its size and checksum (the receiver verifies both before installing)
     * @param offset   where {@code data} starts in the snapshot's payload
     * @param data the chunk's bytes; owned by the message
     */
    record InstallSnapshot(long from, long to, long term, SnapshotInfo snapshot, long offset, byte[] data)
            implements Message {
        /**
         * Checks the header and that the chunk lies within the snapshot.
         *
         * @param from the leader's id
         * @param to the follower's id
         * @param term the leader's term
         * @param snapshot which snapshot, with its size and checksum (the receiver verifies both before installing)
         * @param offset where {@code data} starts in the snapshot's payload
         * @param data the chunk's bytes; owned by the message
         * @throws IllegalArgumentException if an id or the term is invalid, or the chunk is missing or out of range
         */
        public InstallSnapshot {
            Messages.checkHeader(from, to, term);
            if (snapshot == null || data == null) {
                throw new IllegalArgumentException("install snapshot from " + from + " without snapshot or data");
            }
            if (offset < 0 || offset > snapshot.sizeBytes() - data.length) {
                throw new IllegalArgumentException("snapshot chunk [" + offset + ", " + (offset + data.length)
                        + ") outside the snapshot's " + snapshot.sizeBytes() + " bytes");
            }
        }

        /** {@return whether this chunk ends the snapshot} */
        public boolean isLast() {
            return offset + data.length == snapshot.sizeBytes();
        }

        /** Compares the chunk's bytes by content, like {@link LogEntry}. */
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof InstallSnapshot)) {
                return false;
            }
            InstallSnapshot other = (InstallSnapshot) o;
            return from == other.from && to == other.to && term == other.term && offset == other.offset
                    && snapshot.equals(other.snapshot) && Arrays.equals(data, other.data);
        }

        @Override
        public int hashCode() {
            int h = Long.hashCode(from);
            h = 31 * h + Long.hashCode(to);
            h = 31 * h + Long.hashCode(term);
            h = 31 * h + Long.hashCode(offset);
            h = 31 * h + snapshot.hashCode();
            return 31 * h + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "InstallSnapshot[from=" + from + ", to=" + to + ", term=" + term + ", snapshot=" + snapshot
                    + ", offset=" + offset + ", bytes=" + data.length + "]";
        }
    }

    /**
     * A follower's answer to an {@link InstallSnapshot} chunk.
     *
     * @param from the follower's id
     * @param to the leader's id
     * @param term the follower's term
     * @param snapshotIndex the snapshot this answers for
     * @param nextOffset    how many bytes of it the follower holds, in order: the offset the leader resumes from
     * @param accepted      the chunk was taken (or was a duplicate of bytes already held); when false, the chunk did
     *                      not follow what the follower holds and the leader resumes at {@code nextOffset}
     * @param installed     the whole snapshot is durable on the follower: its log now matches the leader's up to
     *                      {@code snapshotIndex}
     */
    record InstallSnapshotResponse(long from, long to, long term, long snapshotIndex, long nextOffset,
                                   boolean accepted, boolean installed) implements Message {
        /**
         * Checks the header and that no position is negative.
         *
         * @param from the follower's id
         * @param to the leader's id
         * @param term the follower's term
         * @param snapshotIndex the snapshot this answers for
         * @param nextOffset how many bytes of it the follower holds, in order: the offset the leader resumes from
         * @param accepted the chunk was taken (or was a duplicate of bytes already held); when false, the chunk did not
         *     follow what the follower holds and the leader resumes at {@code nextOffset}
         * @param installed the whole snapshot is durable on the follower: its log now matches the leader's up to {@code
         *     snapshotIndex}
         * @throws IllegalArgumentException if an id, the term or a position is invalid
         */
        public InstallSnapshotResponse {
            Messages.checkHeader(from, to, term);
            if (snapshotIndex < 0 || nextOffset < 0) {
                throw new IllegalArgumentException("negative field in install snapshot response: snapshotIndex="
                        + snapshotIndex + " nextOffset=" + nextOffset);
            }
        }
    }

    /**
     * A leader hands leadership to the receiver (thesis §3.10): the receiver's log matches the leader's, and it
     * starts an election at once, without PreVote, with {@link VoteRequest#leadershipTransfer()} set.
     *
     * @param from the leader's id
     * @param to the transfer target's id
     * @param term the leader's term
     */
    record TimeoutNow(long from, long to, long term) implements Message {
        /**
         * Checks the header.
         *
         * @param from the leader's id
         * @param to the transfer target's id
         * @param term the leader's term
         * @throws IllegalArgumentException if an id or the term is invalid
         */
        public TimeoutNow {
            Messages.checkHeader(from, to, term);
        }
    }
}
