/**
 * A small hand-written command-line parser for the example subcommands: {@code --name value} and
 * {@code --name=value} flags with defaults, typed accessors that reject bad values, and generated usage text.
 *
 * <p>Depends on nothing but the JDK.
 */
package dev.sansraft.examples.cli;
