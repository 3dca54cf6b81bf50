package dev.sansraft.node;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A state machine's state frozen at one applied index, ready to be streamed later, returned by
 * {@link StateMachine#captureSnapshot()}. Capturing is cheap (an immutable or copy-on-write view, a version number
 * of a versioned map); streaming may take long and happens on another thread while the apply thread carries on.
 *
 * <p>Thread-safety: {@link #writeTo} is called at most once, from one thread that is not the apply thread, possibly
 * while later entries are being applied. It must therefore read only the frozen view, never live mutable state.
 */
@FunctionalInterface
public interface SnapshotSource {

    /**
     * Writes the frozen state to {@code out} incrementally, in the format {@link StateMachine#restoreSnapshot}
     * reads. Does not close {@code out}.
     *
     * @param out the stream to write to; left open
     * @throws IOException if {@code out} fails; the snapshot is then abandoned
     */
    void writeTo(OutputStream out) throws IOException;
}
