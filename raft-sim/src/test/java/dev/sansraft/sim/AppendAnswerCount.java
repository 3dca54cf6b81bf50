package dev.sansraft.sim;

import dev.sansraft.core.Message;

import java.util.SplittableRandom;

/**
 * Counts appends and their answers under a steady write and read load, to compare how many answers a follower sends
 * per append (issue 17 item 5): {@code java -cp <raft-sim test classpath> dev.sansraft.sim.AppendAnswerCount
 * [--seeds N] [--from S] [--ticks T]}. Each seed runs three real nodes on the calm profile (no faults) with four
 * closed-loop clients writing and reading through every node, a third of the reads by lease and the rest by
 * ReadIndex, and counts what the network is handed: appends with entries, empty appends, and answers, early
 * (matching nothing new) or not. Deterministic for a given seed set, so two builds can be compared seed by seed.
 */
final class AppendAnswerCount {

    private AppendAnswerCount() {
    }

    /**
     * Runs the seeds and prints the totals.
     *
     * @param args {@code --seeds N} (default 20), {@code --from S} (default 1), {@code --ticks T} (default 2000)
     */
    public static void main(String[] args) {
        long seeds = 20;
        long from = 1;
        long ticks = 2000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seeds": seeds = Long.parseLong(args[i + 1]); break;
                case "--from": from = Long.parseLong(args[i + 1]); break;
                case "--ticks": ticks = Long.parseLong(args[i + 1]); break;
                default: throw new IllegalArgumentException("unknown flag " + args[i]
                        + ": use --seeds N --from S --ticks T");
            }
        }
        Counts total = new Counts();
        for (long seed = from; seed < from + seeds; seed++) {
            total.add(run(seed, ticks));
        }
        System.out.printf("%d seeds from %d, %d ticks, 3 nodes, calm, 4 clients: %d appends with entries, %d empty"
                        + " appends, %d append answers (%.3f per append), of which %d acknowledge nothing new; %d operations%n", seeds,
                from, ticks, total.withEntries, total.empty, total.answers,
                (double) total.answers / (total.withEntries + total.empty), total.repeats, total.operations);
    }

    private static Counts run(long seed, long ticks) {
        FaultProfile profile = FaultProfile.draw("calm", new SplittableRandom(seed));
        SimOptions options = SimOptions.builder()
                .raftConfig(profile.raftConfig())
                .jitterMicros(profile.jitterMicros())
                .diskLatency(100, profile.diskMaxMicros())
                .build();
        NodeSim sim = NodeSim.create(3, seed, options, false, 100);
        Counts counts = new Counts();
        long[] lastTerm = new long[4];
        long[] lastMatch = new long[4];
        sim.addObserver(new SimObserver() {
            @Override
            public void onSend(Message message, long timeMicros, int copies, long[] deliveryTimes) {
                if (message instanceof Message.AppendRequest) {
                    if (((Message.AppendRequest) message).entries().isEmpty()) {
                        counts.empty++;
                    } else {
                        counts.withEntries++;
                    }
                } else if (message instanceof Message.AppendResponse) {
                    Message.AppendResponse r = (Message.AppendResponse) message;
                    counts.answers++;
                    int from = (int) r.from();
                    if (r.success() && r.term() == lastTerm[from] && r.matchIndex() <= lastMatch[from]) {
                        counts.repeats++;
                    }
                    if (r.success()) {
                        lastMatch[from] = r.term() == lastTerm[from] ? Math.max(lastMatch[from], r.matchIndex())
                                : r.matchIndex();
                        lastTerm[from] = r.term();
                    }
                }
            }
        });
        SimClients clients = new SimClients(sim, 4, 3, 0.3, 200);
        clients.start();
        sim.runFor(ticks);
        clients.stop();
        counts.operations = clients.completed();
        return counts;
    }

    private static final class Counts {
        long withEntries;
        long empty;
        long answers;
        /** Successful answers that acknowledge no index beyond the same follower's previous answer in its term. */
        long repeats;
        long operations;

        void add(Counts c) {
            withEntries += c.withEntries;
            empty += c.empty;
            answers += c.answers;
            repeats += c.repeats;
            operations += c.operations;
        }
    }
}
