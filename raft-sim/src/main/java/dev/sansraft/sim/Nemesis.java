package dev.sansraft.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Injects the faults a {@link FaultProfile} enables into a {@link SimCluster}, at random instants (not aligned to
 * ticks, so a crash can land between a log write and its sync). Each decision picks one enabled fault or a heal;
 * crashed nodes come back through a later restart decision. Nothing limits how many nodes are down or cut off at
 * once: safety must hold regardless, and the liveness phase heals and restarts everyone at the end.
 *
 * <p>Not thread-safe: runs on the simulation's thread.
 */
final class Nemesis {

    private final SimCluster cluster;
    private final FaultProfile profile;
    private final SplittableRandom random;
    private final TargetedFaults faults;
    private final TargetedNemesis targeted;
    private boolean stopped;

    Nemesis(SimCluster cluster, FaultProfile profile) {
        this(cluster, profile, TargetedFaults.NONE);
    }

    /** With the targeted faults of {@code faults} too (see {@link TargetedNemesis}). */
    Nemesis(SimCluster cluster, FaultProfile profile, TargetedFaults faults) {
        this.cluster = cluster;
        this.profile = profile;
        this.random = cluster.random();
        this.faults = faults;
        this.targeted = new TargetedNemesis(TargetedNemesis.Target.of(cluster), faults, cluster.seed());
    }

    void start() {
        targeted.start();
        scheduleNext();
    }

    void stop() {
        stopped = true;
        targeted.stop();
    }

    private void scheduleNext() {
        long tick = cluster.options().tickMicros();
        long delay = 1 + random.nextLong(2L * profile.faultEveryTicks() * tick);
        cluster.schedule(delay, "nemesis", this::act);
    }

    private void act() {
        if (stopped) {
            return;
        }
        List<Runnable> choices = new ArrayList<>();
        if (profile.partitions()) {
            choices.add(this::partition);
        }
        if (profile.asymmetric()) {
            choices.add(() -> cluster.cutLink(node(), node()));
        }
        if (profile.isolation()) {
            choices.add(() -> cluster.disconnect(node()));
        }
        if (profile.crashes()) {
            choices.add(() -> cluster.crash(node()));
            choices.add(this::restartOne);
            choices.add(this::restartOne);
        }
        if (profile.clogs()) {
            choices.add(() -> cluster.clog(node(), node(), 1 + random.nextInt(30)));
        }
        if (profile.pauses()) {
            choices.add(() -> cluster.pause(node(), 1 + random.nextInt(40)));
        }
        if (faults.leaderAfterMinority()) {
            choices.add(targeted::armLeaderAfterMinority);
            choices.add(targeted::armLeaderAfterMinority);
        }
        if (!choices.isEmpty()) {
            choices.add(cluster::heal);
            choices.get(random.nextInt(choices.size())).run();
        }
        scheduleNext();
    }

    private long node() {
        return 1 + random.nextInt(cluster.size());
    }

    private void partition() {
        int n = cluster.size();
        List<Long> a = new ArrayList<>();
        for (long id = 1; id <= n; id++) {
            if (random.nextBoolean()) {
                a.add(id);
            }
        }
        long[] group = new long[a.size()];
        for (int i = 0; i < group.length; i++) {
            group[i] = a.get(i);
        }
        cluster.partition(group);
    }

    private void restartOne() {
        for (int i = 0; i < cluster.size(); i++) {
            long id = node();
            if (!cluster.isUp(id)) {
                cluster.restart(id);
                return;
            }
        }
    }
}
