package dev.sansraft.storage.file;

import java.nio.file.Path;

/** Run in a second JVM by {@link DirectoryLockTest}: tries to open a log directory and reports the outcome. */
final class LockProbe {

    private LockProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (FileLogStore store = FileLogStore.open(Path.of(args[0]))) {
            System.out.println("OPENED " + store.lastIndex());
        } catch (StoreLockedException e) {
            System.out.println("LOCKED " + e.getMessage());
            System.exit(3);
        }
    }
}
