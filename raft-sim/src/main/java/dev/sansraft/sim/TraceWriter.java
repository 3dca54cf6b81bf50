package dev.sansraft.sim;

import dev.sansraft.sim.linearizability.KvModel;
import dev.sansraft.sim.linearizability.Operation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link TraceRecorder}'s run as one self-contained HTML file: the viewer (script and style inline, from the
 * resource {@code trace.html}) with the run embedded as compact JSON. The file needs no network: no external
 * scripts, styles or fonts.
 *
 * <p>The JSON holds arrays of numbers rather than objects, one array per record (field order documented in
 * {@link TraceRecorder}), times in hundredths of a tick. Strings are escaped so that no {@code </script>} can end
 * the embedding early. Stateless; thread-safe.
 */
final class TraceWriter {

    private static final String TEMPLATE = "trace.html";
    private static final String PLACEHOLDER = "/*TRACE_DATA*/null";

    private TraceWriter() {
    }

    /** Writes the page to {@code file}, replacing it. */
    static void write(TraceRecorder r, Path file) {
        String template = template();
        int at = template.indexOf(PLACEHOLDER);
        if (at < 0) {
            throw new IllegalStateException("resource " + TEMPLATE + " has no " + PLACEHOLDER + " placeholder");
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                out.write(template, 0, at);
                StringBuilder json = new StringBuilder(1 << 16);
                json(r, json);
                out.append(json);
                out.write(template, at + PLACEHOLDER.length(), template.length() - at - PLACEHOLDER.length());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write trace " + file, e);
        }
    }

    private static String template() {
        try (InputStream in = TraceWriter.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + TEMPLATE + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + TEMPLATE, e);
        }
    }

    static void json(TraceRecorder r, StringBuilder out) {
        out.append("{\"seed\":").append(r.seed).append(",\"nodes\":").append(r.nodes).append(",\"ticks\":")
                .append(r.ticks).append(",\"profile\":");
        string(out, r.profile);
        out.append(",\"sabotage\":");
        string(out, r.sabotage);
        out.append(",\"end\":").append(r.endTime)
                .append(",\"heartbeats\":");
        string(out, r.aggregateHeartbeats
                ? "routine replication (heartbeats, appends that arrived, successful append responses) is counted "
                + "per link per " + r.routineWindowTicks + " ticks, as delivered and lost-or-dropped counts; votes, "
                + "rejections, lost appends with entries, snapshots and read-index messages are kept one by one"
                : "every message is kept one by one");
        out.append(",\"routineWindow\":").append(r.routineWindowTicks * 100);
        out.append(",\"indexStep\":").append(r.indexStepTicks);
        out.append(",\"types\":[");
        for (int i = 0; i < TraceRecorder.MESSAGE_TYPES.size(); i++) {
            out.append(i == 0 ? "" : ",");
            string(out, TraceRecorder.MESSAGE_TYPES.get(i));
        }
        out.append("],\"roles\":");
        arrays(out, r.roleBands);
        out.append(",\"indexes\":");
        arrays(out, r.indexPoints);
        out.append(",\"nodeSpans\":");
        arrays(out, r.nodeSpans);
        out.append(",\"network\":[");
        for (int i = 0; i < r.networkSpans.size(); i++) {
            long[] s = r.networkSpans.get(i);
            out.append(i == 0 ? "[" : ",[").append(s[0]).append(',').append(s[1]).append(',').append(s[2])
                    .append(',').append(s[3]).append(',');
            string(out, r.networkLabels.get(i));
            out.append(']');
        }
        out.append("],\"messages\":");
        arrays(out, r.messages);
        out.append(",\"routine\":[");
        boolean first = true;
        for (Map.Entry<List<Long>, long[]> e : r.routine.entrySet()) {
            List<Long> k = e.getKey();
            out.append(first ? "[" : ",[").append(k.get(0)).append(',').append(k.get(1)).append(',')
                    .append(k.get(2)).append(',').append(e.getValue()[0]).append(',').append(e.getValue()[1])
                    .append(']');
            first = false;
        }
        out.append("],\"notes\":[");
        for (int i = 0; i < r.notes.size(); i++) {
            out.append(i == 0 ? "[" : ",[").append(r.noteTimes.get(i)).append(',');
            string(out, r.notes.get(i));
            out.append(']');
        }
        out.append("],\"ops\":[");
        for (int i = 0; i < r.history.size(); i++) {
            Operation<KvModel.Input, KvModel.Output> op = r.history.get(i);
            boolean highlighted = r.counterexample != null && r.counterexample.contains(op.toString());
            // [client, call, return or -1, in counterexample, kind, key, value, expected, ok (-1 pending), output]
            KvModel.Input in = op.input();
            KvModel.Output o = op.output();
            out.append(i == 0 ? "[" : ",[").append(op.clientId()).append(',').append(r.time(op.callTime()))
                    .append(',').append(op.isPending() ? -1 : r.time(op.returnTime())).append(',')
                    .append(highlighted ? 1 : 0).append(',').append(in.kind().ordinal()).append(',')
                    .append(in.key()).append(',').append(in.value()).append(',').append(in.expected()).append(',')
                    .append(o == null ? -1 : o.ok() ? 1 : 0).append(',').append(o == null ? 0 : o.value())
                    .append(']');
        }
        out.append("],\"counterexample\":");
        string(out, r.counterexample);
        out.append(",\"violation\":");
        if (r.violation == null) {
            out.append("null");
        } else {
            out.append("{\"time\":").append(Math.round(r.violation.tick() * 100)).append(",\"invariant\":");
            string(out, r.violation.invariant().name());
            out.append(",\"detail\":");
            string(out, r.violation.detail());
            out.append(",\"report\":");
            string(out, r.violation.getMessage());
            out.append('}');
        }
        out.append('}');
    }

    private static void arrays(StringBuilder out, List<long[]> rows) {
        out.append('[');
        for (int i = 0; i < rows.size(); i++) {
            long[] row = rows.get(i);
            out.append(i == 0 ? "[" : ",[");
            for (int j = 0; j < row.length; j++) {
                out.append(j == 0 ? "" : ",").append(row[j]);
            }
            out.append(']');
        }
        out.append(']');
    }

    /** A JSON string (or null), with {@code <} escaped so the text cannot close the script element. */
    static void string(StringBuilder out, String s) {
        if (s == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<' -> out.append("\\u003c");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
