package dev.sansraft.sim.linearizability;

/**
 * One client operation in a history: what it asked, what it got, and when.
 *
 * <p>An operation whose outcome the client never learned (it timed out) is <em>indeterminate</em>: its
 * {@code returnTime} is {@link #PENDING} and its output is ignored. It may have taken effect at any moment after its
 * call, or never. Immutable and thread-safe.
 *
 * @param clientId   the client that issued it (for printing only)
 * @param input      the request, as the {@link Model} understands it
 * @param output     the response, or null when pending
 * @param callTime   when the client sent it
 * @param returnTime when the client received the answer, or {@link #PENDING}
 * @param <I>        input type
 * @param <O>        output type
 */
public record Operation<I, O>(int clientId, I input, O output, long callTime, long returnTime) {

    /** The return time of an indeterminate operation: after every other event. */
    public static final long PENDING = Long.MAX_VALUE;

    /**
     * Checks that the operation does not return before its call.
     *
     * @param clientId the client that issued it (for printing only)
     * @param input the request, as the {@link Model} understands it
     * @param output the response, or null when pending
     * @param callTime when the client sent it
     * @param returnTime when the client received the answer, or {@link #PENDING}
     * @throws IllegalArgumentException if {@code returnTime} is before {@code callTime}
     */
    public Operation {
        if (returnTime < callTime) {
            throw new IllegalArgumentException("operation returns at " + returnTime + " before its call at "
                    + callTime + ": " + input);
        }
    }

    /**
     * A completed operation.
     *
     * @param clientId the client that issued it
     * @param input the request, as the {@link Model} understands it
     * @param output the response the client received
     * @param callTime when the client sent it
     * @param returnTime when the client received the answer
     * @param <I> input type
     * @param <O> output type
     * @return the operation
     */
    public static <I, O> Operation<I, O> completed(int clientId, I input, O output, long callTime, long returnTime) {
        return new Operation<>(clientId, input, output, callTime, returnTime);
    }

    /**
     * An operation whose outcome is unknown.
     *
     * @param clientId the client that issued it
     * @param input the request, as the {@link Model} understands it
     * @param callTime when the client sent it
     * @param <I> input type
     * @param <O> output type
     * @return the operation, returning at {@link #PENDING}
     */
    public static <I, O> Operation<I, O> pending(int clientId, I input, long callTime) {
        return new Operation<>(clientId, input, null, callTime, PENDING);
    }

    /** {@return whether the outcome is unknown} */
    public boolean isPending() {
        return returnTime == PENDING;
    }

    @Override
    public String toString() {
        String ret = isPending() ? "?" : Long.toString(returnTime);
        return "c" + clientId + " [" + callTime + ", " + ret + "] " + input + " -> " + (isPending() ? "?" : output);
    }
}
