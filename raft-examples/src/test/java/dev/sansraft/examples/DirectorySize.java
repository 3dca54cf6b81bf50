package dev.sansraft.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** Disk use of a directory tree that a running node may be changing. Stateless. */
public final class DirectorySize {

    private DirectorySize() {
    }

    /**
     * The total length of the regular files under {@code dir}. A file or directory deleted while it is being counted
     * (a compaction, a snapshot replaced) counts as gone rather than failing the walk.
     */
    public static long bytes(Path dir) {
        long total = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    total += a.isDirectory() ? bytes(p) : a.isRegularFile() ? a.size() : 0;
                } catch (NoSuchFileException gone) {
                    continue;
                }
            }
        } catch (NoSuchFileException gone) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + dir, e);
        }
        return total;
    }

    /** How many files directly in {@code dir} have names starting with {@code prefix}. */
    public static int count(Path dir, String prefix) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, prefix + "*")) {
            int n = 0;
            for (Path ignored : entries) {
                n++;
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
