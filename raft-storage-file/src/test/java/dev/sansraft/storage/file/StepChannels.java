package dev.sansraft.storage.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * {@link FileChannels} for crash tests: while a {@link Step} hook is set, it runs before every operation that can
 * change what is on disk (opening a file or directory, a positional write, a force, a truncation, a close, which
 * precedes every segment deletion). The hook can copy the directory (a crash image at that moment) or throw to
 * inject a failure there. Thread-safe as long as the hook is.
 */
final class StepChannels implements FileChannels {

    /** Called before one step; {@code what} names the operation and the file's name. */
    interface Step {
        void before(String what) throws IOException;
    }

    volatile Step hook;

    private void step(String what, Path path) throws IOException {
        Step h = hook;
        if (h != null) {
            h.before(what + " " + path.getFileName());
        }
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        step("open", path);
        return new ForwardingFileChannel(FileChannel.open(path, options)) {
            @Override
            public int write(ByteBuffer src, long position) throws IOException {
                step("write", path);
                return super.write(src, position);
            }

            @Override
            public void force(boolean metaData) throws IOException {
                step("force", path);
                super.force(metaData);
            }

            @Override
            public FileChannel truncate(long size) throws IOException {
                step("truncate", path);
                return super.truncate(size);
            }

            @Override
            protected void implCloseChannel() throws IOException {
                try {
                    step("close", path);
                } finally {
                    super.implCloseChannel();
                }
            }
        };
    }
}
