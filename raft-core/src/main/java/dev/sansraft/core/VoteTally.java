package dev.sansraft.core;

import java.util.Arrays;

/**
 * Counts votes of one (pre-)election over a configuration that may be joint: the candidate needs a majority of each
 * half (thesis §4.3). Each voter's first answer counts; repeats and answers from non-voters are ignored. Not
 * thread-safe: owned by its {@link RaftCore}.
 */
final class VoteTally {

    /** Where an election stands. */
    enum Result { PENDING, WON, LOST }

    private static final byte UNKNOWN = 0;
    private static final byte GRANTED = 1;
    private static final byte REJECTED = 2;

    private final JointQuorum quorum;
    private final long[] voters;
    private final byte[] answers;

    VoteTally(long[] sortedVoters) {
        this(new JointQuorum(sortedVoters, new long[0]));
    }

    VoteTally(JointQuorum quorum) {
        this.quorum = quorum;
        this.voters = quorum.voters();
        this.answers = new byte[voters.length];
    }

    /** Records {@code voter}'s answer if it is a voter that has not answered yet. */
    void record(long voter, boolean granted) {
        int slot = Arrays.binarySearch(voters, voter);
        if (slot >= 0 && answers[slot] == UNKNOWN) {
            answers[slot] = granted ? GRANTED : REJECTED;
        }
    }

    Result result() {
        return quorum.tally(id -> answers[Arrays.binarySearch(voters, id)] == GRANTED,
                id -> answers[Arrays.binarySearch(voters, id)] == REJECTED);
    }
}
