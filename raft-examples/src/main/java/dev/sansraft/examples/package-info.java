/**
 * The runnable example: {@link dev.sansraft.examples.Main} dispatches to the {@code server}, {@code cluster} and
 * {@code bench} subcommands, each in its own subpackage.
 *
 * <p>May depend on every sansraft module, slf4j and the JDK.
 */
package dev.sansraft.examples;
