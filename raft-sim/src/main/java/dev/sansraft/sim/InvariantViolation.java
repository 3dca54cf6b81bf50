package dev.sansraft.sim;

/**
 * A broken invariant, stopping the run. The message names the invariant, the seed, the simulated tick and the
 * details, followed by the last events before the violation, so that the report alone explains the failure and the
 * seed replays it.
 */
public final class InvariantViolation extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final Invariant invariant;
    private final long seed;
    private final double tick;
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

    public Invariant invariant() {
        return invariant;
    }

    public long seed() {
        return seed;
    }

    public double tick() {
        return tick;
    }

    public String detail() {
        return detail;
    }
}
