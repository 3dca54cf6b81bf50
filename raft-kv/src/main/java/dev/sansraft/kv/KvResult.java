package dev.sansraft.kv;

/**
 * The outcome of one command or query, as {@link KvStateMachine} encodes it and {@link KvCommandCodec#decodeResult}
 * decodes it. Immutable (arrays inside are owned by the result and must not be mutated).
 *
 * <p>{@link #index()} is the log index of the entry that produced the result, or for a read the state machine's
 * applied index when it answered.
 */
public sealed interface KvResult permits PutResult, DeleteResult, CasResult, GetResult, KvResult.Failure {

    /** The log index that produced this result (for reads: the applied index). */
    long index();

    /** The state machine refused the command or query; nothing was changed. */
    record Failure(KvError error, String message, long index) implements KvResult {
        public Failure {
            if (error == null || message == null) {
                throw new IllegalArgumentException("failure needs an error and a message, got " + error + " "
                        + message);
            }
        }
    }
}
