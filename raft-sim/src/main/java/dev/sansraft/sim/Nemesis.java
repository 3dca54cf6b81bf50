package dev.sansraft.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Injects the faults a {@link FaultProfile} enables into a {@link NodeSim} of real nodes, at random instants (not
 * aligned to ticks or rounds, so a crash can land between any two stage rounds, e.g. between a log write and its
 * sync). Each decision picks one enabled fault or a network heal. Pauses freeze a whole process ({@link NodeSim#pause});
 * crashed nodes come back through a later restart decision.
 *
 * <p>Not thread-safe: runs on the simulation's thread.
 */
final class Nemesis {

    private final NodeSim sim;
    private final FaultProfile profile;
    private final SplittableRandom random;
    private final TargetedFaults faults;
    private final TargetedNemesis targeted;
    private boolean stopped;
    private long crashes;
    private long pauses;

    Nemesis(NodeSim sim, FaultProfile profile) {
        this(sim, profile, TargetedFaults.NONE);
    }

    /** With the targeted faults of {@code faults} too (see {@link TargetedNemesis}). */
    Nemesis(NodeSim sim, FaultProfile profile, TargetedFaults faults) {
        this.sim = sim;
        this.profile = profile;
        this.random = sim.random();
        this.faults = faults;
        this.targeted = new TargetedNemesis(TargetedNemesis.Target.of(sim), faults, sim.seed());
    }

    void start() {
        targeted.start();
        scheduleNext();
    }

    void stop() {
        stopped = true;
        targeted.stop();
    }

    long crashes() {
        return crashes;
    }

    long pauses() {
        return pauses;
    }

    private void scheduleNext() {
        long tick = sim.options().tickMicros();
        sim.schedule(1 + random.nextLong(2L * profile.faultEveryTicks() * tick), "nemesis", this::act);
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
            choices.add(() -> sim.cutLink(node(), node()));
        }
        if (profile.isolation()) {
            choices.add(() -> sim.disconnect(node()));
        }
        if (profile.crashes()) {
            choices.add(() -> {
                crashes++;
                sim.crash(node());
            });
            choices.add(this::restartOne);
            choices.add(this::restartOne);
        }
        if (profile.clogs()) {
            choices.add(() -> sim.clog(node(), node(), 1 + random.nextInt(30)));
        }
        if (profile.pauses()) {
            choices.add(() -> {
                pauses++;
                sim.pause(node(), 1 + random.nextInt(40));
            });
        }
        if (faults.leaderAfterMinority()) {
            choices.add(targeted::armLeaderAfterMinority);
            choices.add(targeted::armLeaderAfterMinority);
        }
        if (!choices.isEmpty()) {
            choices.add(sim::heal);
            choices.get(random.nextInt(choices.size())).run();
        }
        scheduleNext();
    }

    private long node() {
        return 1 + random.nextInt(sim.size());
    }

    private void partition() {
        List<Long> a = new ArrayList<>();
        for (long id = 1; id <= sim.size(); id++) {
            if (random.nextBoolean()) {
                a.add(id);
            }
        }
        sim.partition(a.stream().mapToLong(Long::longValue).toArray());
    }

    private void restartOne() {
        for (int i = 0; i < sim.size(); i++) {
            long id = node();
            if (!sim.isUp(id)) {
                sim.restart(id);
                return;
            }
        }
    }
}
