package dev.sansraft.examples;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium} run headless for browser tests: {@link #dumpDom} returns the DOM after the page's scripts
 * ran (virtual time lets timers and polls run without waiting in real time), {@link #screenshot} saves a PNG.
 *
 * <p>{@link #find()} locates the binary ({@code CHROMIUM} environment variable, else {@code chromium} or
 * {@code chromium-browser}, or Google Chrome, on the PATH). Without one the calling test is skipped with a message, except when the
 * environment variable {@code CI} is set: CI installs Chromium ({@code .ci/run}), so there a missing browser fails.
 *
 * <p>Each run gets a fresh profile directory and no network beyond what the page itself loads. Thread-safe.
 */
public final class HeadlessChromium {
    private static final long TIMEOUT_SECONDS = 180; // a loaded 2-core machine takes 15-30 s to start Chromium

    private final Path binary;
    private final Path workDir;

    private HeadlessChromium(Path binary, Path workDir) {
        this.binary = binary;
        this.workDir = workDir;
    }

    /** The browser, with {@code workDir} for profiles and logs; skips (or, under CI, fails) the test without one. */
    public static HeadlessChromium find(Path workDir) {
        Path binary = locate();
        if (binary == null) {
            String message = "no Chromium found (set CHROMIUM, or apt-get install -y chromium)";
            if (System.getenv("CI") != null) {
                Assertions.fail(message + "; CI must have it: .ci/run installs it");
            }
            Assumptions.abort("browser test skipped: " + message);
        }
        return new HeadlessChromium(binary, workDir);
    }

    private static Path locate() {
        String given = System.getenv("CHROMIUM");
        if (given != null && !given.isBlank()) {
            return Path.of(given);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        // Debian's package, older Ubuntu's, and the Chrome that GitHub's Ubuntu runners ship.
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /** The serialized DOM of {@code url} once its scripts have had {@code virtualMillis} of (virtual) time. */
    public String dumpDom(String url, int virtualMillis) {
        return run("dom", url, virtualMillis, "--dump-dom");
    }

    /** Saves a PNG of {@code url} after {@code virtualMillis} of (virtual) time, in a window of the given size. */
    public void screenshot(String url, int virtualMillis, Path png, int width, int height) {
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            Files.deleteIfExists(png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run("screenshot", url, virtualMillis, "--screenshot=" + png.toAbsolutePath(),
                "--window-size=" + width + "," + height, "--hide-scrollbars");
        if (!Files.isRegularFile(png)) {
            throw new AssertionError("Chromium wrote no screenshot " + png + "; see the log in " + workDir);
        }
    }

    private String run(String what, String url, int virtualMillis, String... extra) {
        try {
            Files.createDirectories(workDir);
            Path profile = Files.createTempDirectory(workDir, "profile-");
            Path log = workDir.resolve(what + "-" + System.nanoTime() + ".log");
            List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox",
                    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions",
                    "--user-data-dir=" + profile, "--virtual-time-budget=" + virtualMillis));
            command.addAll(List.of(extra));
            command.add(url);
            Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("Chromium did not finish " + what + " of " + url + " within "
                        + TIMEOUT_SECONDS + " s; log: " + log);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("Chromium exited with " + process.exitValue() + " on " + what + " of "
                        + url + "; log: " + log);
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while Chromium ran", e);
        }
    }
}
