package dev.sansraft.core;

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
        Message.ReadIndexRequest, Message.ReadIndexResponse {

    long from();

    long to();

    long term();

    /**
     * RequestVote (Raft §5.2), or a PreVote probe (thesis §9.6) when {@code preVote} is set. A PreVote carries the
     * term the sender would campaign in, without the sender having moved to it.
     */
    record VoteRequest(long from, long to, long term, long lastLogIndex, long lastLogTerm, boolean preVote)
            implements Message {
        public VoteRequest {
            Messages.checkHeader(from, to, term);
        }
    }

    /** The answer to a {@link VoteRequest}; {@code preVote} echoes the request's flag. */
    record VoteResponse(long from, long to, long term, boolean voteGranted, boolean preVote) implements Message {
        public VoteResponse {
            Messages.checkHeader(from, to, term);
        }
    }

    /**
     * AppendEntries (Raft §5.3): zero or more entries following {@code (prevLogIndex, prevLogTerm)}, plus the
     * leader's commit index. With no entries it is a heartbeat.
     *
     * @param round a leader-local counter the follower echoes in its response; the leader uses it to learn that a
     *              quorum acknowledged it after a given moment (ReadIndex, CheckQuorum, leases)
     */
    record AppendRequest(long from, long to, long term, long prevLogIndex, long prevLogTerm, List<LogEntry> entries,
                         long leaderCommit, long round) implements Message {
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

        /** The index of the last entry carried, or {@code prevLogIndex} for a heartbeat. */
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
     * @param round echoes {@link AppendRequest#round()}
     */
    record AppendResponse(long from, long to, long term, boolean success, long matchIndex, long rejectedIndex,
                          long conflictIndex, long conflictTerm, long round) implements Message {
        public AppendResponse {
            Messages.checkHeader(from, to, term);
            if (matchIndex < 0 || rejectedIndex < 0 || conflictIndex < 0 || conflictTerm < 0 || round < 0) {
                throw new IllegalArgumentException("negative field in append response: matchIndex=" + matchIndex
                        + " rejectedIndex=" + rejectedIndex + " conflictIndex=" + conflictIndex
                        + " conflictTerm=" + conflictTerm + " round=" + round);
            }
        }
    }

    /** A follower asks the leader for a read index on behalf of a linearizable read (thesis §6.4). */
    record ReadIndexRequest(long from, long to, long term, long readId) implements Message {
        public ReadIndexRequest {
            Messages.checkHeader(from, to, term);
        }
    }

    /**
     * The leader's answer to a {@link ReadIndexRequest}: when {@code success}, the follower may serve the read once it
     * has applied {@code readIndex}.
     */
    record ReadIndexResponse(long from, long to, long term, long readId, long readIndex, boolean success)
            implements Message {
        public ReadIndexResponse {
            Messages.checkHeader(from, to, term);
            if (readIndex < 0) {
                throw new IllegalArgumentException("negative read index " + readIndex);
            }
        }
    }
}
