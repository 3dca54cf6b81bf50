package dev.sansraft.transport.tcp;

import dev.sansraft.core.Message;
import dev.sansraft.core.Message.InstallSnapshot;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes messages comparable by content in assertions: {@link InstallSnapshot} is a record holding a {@code byte[]}, so
 * its own {@code equals} compares the chunk by identity; every other message already compares by content.
 */
final class WireContent {

    private WireContent() {
    }

    /** A value equal to another's exactly when the two messages have the same content. */
    static Object of(Message message) {
        if (message instanceof InstallSnapshot) {
            InstallSnapshot m = (InstallSnapshot) message;
            // A heap ByteBuffer compares its remaining bytes by content.
            return List.of("InstallSnapshot", m.from(), m.to(), m.term(), m.snapshot(), m.offset(),
                    ByteBuffer.wrap(m.data()));
        }
        return message;
    }

    static List<Object> of(List<Message> messages) {
        List<Object> content = new ArrayList<>(messages.size());
        for (Message m : messages) {
            content.add(of(m));
        }
        return content;
    }
}
