package dev.sansraft.kv;

/**
 * The outcome of one command or query, as {@link KvStateMachine} encodes it and {@link KvCommandCodec#decodeResult}
 * decodes it. Immutable (arrays inside are owned by the result and must not be mutated).
 *
 * <p>{@link #index()} is the log index of the entry that produced the result, or for a read the state machine's
 * applied index when it answered.
 */
public sealed interface KvResult permits PutResult, DeleteResult, CasResult, GetResult, KvResult.Failure {

    /** {@return the log index that produced this result (for reads: the applied index)} */
    long index();

    /**
     * The state machine refused the command or query; nothing was changed.
     *
     * @param error why the state machine refused it
     * @param message the refusal in words, for logs and HTTP answers
     * @param index the log index of the refused entry, or the applied index for a refused query
     */
    record Failure(KvError error, String message, long index) implements KvResult {
        /**
         * Checks that the error and the message are present.
         *
         * @param error why the state machine refused it
         * @param message the refusal in words, for logs and HTTP answers
         * @param index the log index of the refused entry, or the applied index for a refused query
         * @throws IllegalArgumentException if {@code error} or {@code message} is null
         */
        public Failure {
            if (error == null || message == null) {
                throw new IllegalArgumentException("failure needs an error and a message, got " + error + " "
                        + message);
            }
        }
    }
}
