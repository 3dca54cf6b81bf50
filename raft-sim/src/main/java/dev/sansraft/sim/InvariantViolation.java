package dev.sansraft.sim;

/**
 * A broken invariant, stopping the run. The message names the invariant, the seed, the simulated tick and the
 * details, followed by the last events before the violation, so that the report alone explains the failure and the
 * seed replays it.
 */
public final class InvariantViolation extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** The invariant that broke. */
    private final Invariant invariant;
    /** The run's seed, which replays it. */
    private final long seed;
    /** The simulated tick at which it broke. */
    private final double tick;
    /** What was observed, with the values involved. */
    private final String detail;

    InvariantViolation(Invariant invariant, long seed, double tick, String detail, String recentEvents,
                       Throwable cause) {
        super(String.format("%s violated at tick %.3f (seed %d): %s%n%s", invariant, tick, seed, detail,
                recentEvents), cause);
        this.invariant = invariant;
        this.seed = seed;
        this.tick = tick;
        this.detail = detail;
    }

    /** {@return the invariant that broke} */
    public Invariant invariant() {
        return invariant;
    }

    /** {@return the run's seed, which replays the violation} */
    public long seed() {
        return seed;
    }

    /** {@return the simulated tick at which the invariant broke} */
    public double tick() {
        return tick;
    }

    /** {@return what was observed, with the values involved} */
    public String detail() {
        return detail;
    }
}
