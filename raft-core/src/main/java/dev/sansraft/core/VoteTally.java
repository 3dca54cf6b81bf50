package dev.sansraft.core;

import java.util.Arrays;

/**
 * Counts votes of one (pre-)election. Each voter's first answer counts; repeats and answers from non-members are
 * ignored. Not thread-safe: owned by its {@link RaftCore}.
 */
final class VoteTally {

    /** Where an election stands. */
    enum Result { PENDING, WON, LOST }

    private static final byte UNKNOWN = 0;
    private static final byte GRANTED = 1;
    private static final byte REJECTED = 2;

    private final long[] voters;
    private final byte[] answers;

    VoteTally(long[] sortedVoters) {
        this.voters = sortedVoters;
        this.answers = new byte[sortedVoters.length];
    }

    /** Records {@code voter}'s answer if it is a member that has not answered yet. */
    void record(long voter, boolean granted) {
        int slot = Arrays.binarySearch(voters, voter);
        if (slot >= 0 && answers[slot] == UNKNOWN) {
            answers[slot] = granted ? GRANTED : REJECTED;
        }
    }

    Result result() {
        int granted = 0;
        int rejected = 0;
        for (byte a : answers) {
            if (a == GRANTED) {
                granted++;
            } else if (a == REJECTED) {
                rejected++;
            }
        }
        int majority = QuorumMath.majority(voters.length);
        if (granted >= majority) {
            return Result.WON;
        }
        if (rejected >= majority) {
            return Result.LOST;
        }
        return Result.PENDING;
    }
}
