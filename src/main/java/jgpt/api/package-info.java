/**
 * jgpt as a library: load a model and generate, score, probe and explain text ({@link jgpt.api.Gpt}), or train
 * one ({@link jgpt.api.Training}). Everything here wraps the engine's own classes (jgpt.model, jgpt.train,
 * jgpt.inspect); nothing is computed a second way.
 *
 * <p>Errors: a {@link jgpt.UserError} (or its subclass {@link jgpt.InvalidSetting}, which names the setting)
 * for anything the caller can fix — a missing file, a bad value, a prompt longer than the context;
 * {@link java.io.UncheckedIOException} when a file cannot be read or written.
 *
 * <p>The JVM needs {@code --add-modules jdk.incubator.vector} (and {@code --enable-native-access=ALL-UNNAMED}
 * for the OpenBLAS kernels).
 */
package jgpt.api;
