/**
 * Benchmarks for {@link dev.sansraft.storage.file.FileLogStore}, run by hand as plain main classes (never by
 * {@code mvn verify}, since surefire only runs {@code *Test} classes). Uses only the store's public API.
 */
package dev.sansraft.storage.file.bench;
