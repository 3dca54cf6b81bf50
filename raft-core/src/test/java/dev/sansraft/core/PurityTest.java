package dev.sansraft.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 2 item 9: {@code dev.sansraft.core} does no I/O, starts no threads, takes no locks, reads no wall clock,
 * uses no unseeded randomness and does no logging. Scans the package's main sources, with comments and string
 * literals blanked out, and names the file and line of every forbidden use.
 */
class PurityTest {

    private static final Path SOURCES = Path.of("src/main/java/dev/sansraft/core");

    /** What is forbidden, and why. */
    private record Rule(Pattern pattern, String why) {
        static Rule of(String regex, String why) {
            return new Rule(Pattern.compile(regex), why);
        }
    }

    private static final List<Rule> RULES = List.of(
            Rule.of("\\bjava\\.io\\b", "file or stream I/O (java.io)"),
            Rule.of("\\bjava\\.net\\b", "sockets (java.net)"),
            Rule.of("\\bjava\\.nio\\.channels\\b", "channel I/O (java.nio.channels)"),
            Rule.of("\\bjava\\.nio\\.file\\b", "files (java.nio.file)"),
            Rule.of("\\bjava\\.util\\.concurrent\\b", "threads, executors, locks (java.util.concurrent)"),
            Rule.of("\\bThread\\b", "threads"),
            Rule.of("\\bExecutor\\w*\\b", "executors"),
            Rule.of("\\bsynchronized\\b", "locks (synchronized)"),
            Rule.of("\\bvolatile\\b", "cross-thread state (volatile)"),
            Rule.of("System\\s*\\.\\s*currentTimeMillis", "the wall clock"),
            Rule.of("System\\s*\\.\\s*nanoTime", "the wall clock"),
            Rule.of("\\bInstant\\s*\\.\\s*now\\b", "the wall clock"),
            Rule.of("\\bClock\\s*\\.\\s*system", "the wall clock"),
            Rule.of("\\bjava\\.time\\b", "the wall clock (java.time)"),
            Rule.of("new\\s+(java\\.util\\.)?Random\\s*\\(\\s*\\)", "unseeded randomness (new Random())"),
            Rule.of("new\\s+SplittableRandom\\s*\\(\\s*\\)", "unseeded randomness (new SplittableRandom())"),
            Rule.of("Math\\s*\\.\\s*random", "unseeded randomness (Math.random)"),
            Rule.of("\\bSecureRandom\\b", "unseeded randomness (SecureRandom)"),
            Rule.of("\\borg\\.slf4j\\b", "logging (slf4j)"),
            Rule.of("\\bjava\\.util\\.logging\\b", "logging (java.util.logging)"),
            Rule.of("System\\s*\\.\\s*(out|err)\\b", "printing to the console"),
            Rule.of("\\bdev\\.sansraft\\.node\\b", "a dependency on the node runtime (dev.sansraft.node)"));

    @Test
    void corePackageDoesNoIoThreadsClocksRandomnessOrLogging() throws IOException {
        assertThat(SOURCES).as("run from the raft-core module directory").isDirectory();
        List<String> violations = new ArrayList<>();
        int scanned = 0;
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                if (file.toString().endsWith(".java")) {
                    scanned++;
                    violations.addAll(scan(file.getFileName().toString(),
                            Files.readString(file, StandardCharsets.UTF_8)));
                }
            }
        }
        assertThat(scanned).as("core source files found").isGreaterThan(10);
        assertThat(violations).as("forbidden uses in dev.sansraft.core").isEmpty();
    }

    @Test
    void theScannerFindsEveryKindOfViolationWithItsLine() {
        String source = String.join("\n",
                "package dev.sansraft.core;",
                "import java.io.File;",
                "// a comment may say java.net.Socket and Thread freely",
                "/* so may a block comment: System.nanoTime() */",
                "final class Bad {",
                "  String s = \"strings too: new Random()\";",
                "  synchronized void a() { long t = System.currentTimeMillis(); }",
                "  double r = Math.random();",
                "  java.util.Random u = new Random();",
                "  Object o = dev.sansraft.node.LogStore.class;",
                "  Object l = org.slf4j.LoggerFactory.getLogger(Bad.class);",
                "  Object e = java.util.concurrent.Executors.newSingleThreadExecutor();",
                "}");
        List<String> found = scan("Bad.java", source);
        assertThat(found).anyMatch(v -> v.startsWith("Bad.java:2 ") && v.contains("java.io"));
        assertThat(found).anyMatch(v -> v.startsWith("Bad.java:7 ") && v.contains("synchronized"));
        assertThat(found).anyMatch(v -> v.startsWith("Bad.java:7 ") && v.contains("wall clock"));
        assertThat(found).anyMatch(v -> v.startsWith("Bad.java:8 ") && v.contains("Math.random"));
        assertThat(found).anyMatch(v -> v.startsWith("Bad.java:9 ") && v.contains("new Random()"));
        assertThat(found).anyMatch(v -> v.startsWith("Bad.java:10 ") && v.contains("dev.sansraft.node"));
        assertThat(found).anyMatch(v -> v.startsWith("Bad.java:11 ") && v.contains("slf4j"));
        assertThat(found).anyMatch(v -> v.startsWith("Bad.java:12 ") && v.contains("java.util.concurrent"));
        assertThat(found).as("comments and strings are not code")
                .noneMatch(v -> v.startsWith("Bad.java:3 ") || v.startsWith("Bad.java:4 ")
                        || v.startsWith("Bad.java:6 "));
    }

    private static List<String> scan(String fileName, String source) {
        String[] lines = blankCommentsAndStrings(source).split("\n", -1);
        String[] original = source.split("\n", -1);
        List<String> violations = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            for (Rule rule : RULES) {
                if (rule.pattern().matcher(lines[i]).find()) {
                    violations.add(fileName + ":" + (i + 1) + " uses " + rule.why() + ": " + original[i].trim());
                }
            }
        }
        return violations;
    }

    /** Replaces comments and string and char literals with spaces, keeping every newline (so line numbers hold). */
    static String blankCommentsAndStrings(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                while (i < s.length() && s.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? s.length() : end + 2;
                for (; i < end; i++) {
                    out.append(s.charAt(i) == '\n' ? '\n' : ' ');
                }
            } else if (c == '"' || c == '\'') {
                out.append(' ');
                i++;
                while (i < s.length() && s.charAt(i) != c && s.charAt(i) != '\n') {
                    if (s.charAt(i) == '\\') {
                        out.append(' ');
                        i++;
                    }
                    out.append(' ');
                    i++;
                }
                if (i < s.length() && s.charAt(i) == c) {
                    out.append(' ');
                    i++;
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
