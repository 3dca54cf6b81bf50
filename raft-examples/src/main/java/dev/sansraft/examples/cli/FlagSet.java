package dev.sansraft.examples.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flags one subcommand accepts, with their defaults and help text, and the parser for them.
 *
 * <p>Accepts {@code --name value} and {@code --name=value}; {@code --help} or {@code -h} anywhere throws
 * {@link HelpRequested}. Anything else (a positional argument, an unknown flag, a flag without a value, a flag given
 * twice) throws {@link UsageException} naming the offending text. Values are checked by the typed accessors of
 * {@link ParsedFlags}.
 *
 * <p>Not thread-safe: define the flags, then parse, on one thread.
 */
public final class FlagSet {
    private final String command;
    private final String summary;
    private final Map<String, Flag> flags = new LinkedHashMap<>();

    private record Flag(String name, String defaultValue, String valueName, String help) {
    }

    /**
     * An empty flag set for one subcommand.
     *
     * @param command the subcommand's name, used in messages and the usage line
     * @param summary one line saying what the subcommand does, shown in the usage text
     */
    public FlagSet(String command, String summary) {
        this.command = command;
        this.summary = summary;
    }

    /**
     * Declares a flag.
     *
     * @param name the flag's name, without the leading {@code --}; declared once
     * @param valueName the placeholder for its value in the usage text, such as {@code N}
     * @param defaultValue the value when the flag is absent, or null for a required flag
     * @param help one line of help
     * @return this flag set
     */
    public FlagSet flag(String name, String valueName, String defaultValue, String help) {
        if (flags.putIfAbsent(name, new Flag(name, defaultValue, valueName, help)) != null) {
            throw new IllegalArgumentException("flag --" + name + " declared twice for " + command);
        }
        return this;
    }

    /**
     * Declares a switch: {@code --name} alone turns it on ({@link ParsedFlags#isSet} is then true); it takes no
     * value, though {@code --name=true} and {@code --name=false} are accepted.
     *
     * @param name the switch's name, without the leading {@code --}; declared once
     * @param help one line of help
     * @return this flag set
     */
    public FlagSet toggle(String name, String help) {
        return flag(name, null, "false", help);
    }

    /**
     * Parses {@code args} (without the subcommand name).
     *
     * @param args the arguments after the subcommand name
     * @return the value of every declared flag, defaults filled in
     * @throws UsageException for an unknown, repeated or value-less flag, or a missing required one
     * @throws HelpRequested if {@code --help} or {@code -h} is among the arguments
     */
    public ParsedFlags parse(List<String> args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new HelpRequested();
            }
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name;
            String value;
            int eq = arg.indexOf('=');
            if (eq >= 0) {
                name = arg.substring(2, eq);
                value = arg.substring(eq + 1);
            } else {
                name = arg.substring(2);
                Flag declared = flags.get(name);
                if (declared != null && declared.valueName() == null) {
                    if (values.put(name, "true") != null) {
                        throw new UsageException("flag --" + name + " given more than once");
                    }
                    continue;
                }
                if (i + 1 >= args.size()) {
                    requireKnown(name);
                    throw new UsageException("flag --" + name + " needs a value");
                }
                value = args.get(++i);
            }
            requireKnown(name);
            if (values.put(name, value) != null) {
                throw new UsageException("flag --" + name + " given more than once");
            }
        }
        for (Flag flag : flags.values()) {
            if (!values.containsKey(flag.name())) {
                if (flag.defaultValue() == null) {
                    throw new UsageException("flag --" + flag.name() + " is required");
                }
                values.put(flag.name(), flag.defaultValue());
            }
        }
        return new ParsedFlags(values);
    }

    private void requireKnown(String name) {
        if (!flags.containsKey(name)) {
            throw new UsageException("unknown flag --" + name);
        }
    }

    /** {@return the usage text: the command line shape, the summary, then one line per flag} */
    public String usage() {
        StringBuilder out = new StringBuilder();
        out.append("usage: raft-examples ").append(command);
        List<String> lines = new ArrayList<>();
        int width = 0;
        for (Flag flag : flags.values()) {
            String left = flag.valueName() == null ? "--" + flag.name() : "--" + flag.name() + " " + flag.valueName();
            if (flag.defaultValue() == null) {
                out.append(' ').append(left);
            }
            lines.add(left);
            width = Math.max(width, left.length());
        }
        out.append(" [flags]\n\n").append(summary).append("\n\n");
        int i = 0;
        for (Flag flag : flags.values()) {
            String left = lines.get(i++);
            out.append("  ").append(left).append(" ".repeat(width - left.length() + 2)).append(flag.help());
            if (flag.defaultValue() != null && !flag.defaultValue().isEmpty() && flag.valueName() != null) {
                out.append(" (default ").append(flag.defaultValue()).append(')');
            }
            out.append('\n');
        }
        out.append("  --help").append(" ".repeat(Math.max(2, width - 4))).append("print this help\n");
        return out.toString();
    }
}
