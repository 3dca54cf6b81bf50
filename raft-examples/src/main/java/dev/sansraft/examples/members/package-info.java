/**
 * The {@code members} subcommand and the HTTP client of the membership API ({@code /members}, {@code /leader}) that
 * it and a joining server ({@code server --join}) use. Depends on the JDK's HTTP client only.
 */
package dev.sansraft.examples.members;
