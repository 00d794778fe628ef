package jgpt.tensor;

import jgpt.InvalidSetting;

/**
 * Chooses a kernel implementation by name and sizes the one worker pool every parallel kernel uses.
 * auto: OpenBLAS for the matrix products where its bundled library loads (measured faster on every config of
 * BENCHMARKS.md), else pure Java; blas: the same but an error where it cannot load; java (or fast): pure Java
 * (Vector API) everywhere; naive: the reference loops, one thread.
 */
public final class KernelSets {
    private KernelSets() {}

    /** The names {@link #named} takes. */
    public static final String CHOICES = "auto | blas | java | naive";

    /** The measured-fastest kernels on this machine, on {@code threads} workers. */
    public static Kernels auto(int threads) { return named("auto", threads); }

    /** The kernels called {@code name} (one of {@link #CHOICES}), on {@code threads} workers. */
    public static Kernels named(String name, int threads) {
        if (threads <= 0) throw new InvalidSetting("threads", "threads must be positive, got " + threads);
        return switch (name) {
            case "naive" -> new NaiveKernels();
            case "java", "fast" -> { Parallel.setThreads(threads); yield new FastKernels(); }
            case "blas" -> {
                if (!OpenBlas.available())
                    throw new InvalidSetting("kernels", "kernels blas: OpenBLAS could not be loaded (" + OpenBlas.loadError() + "); choose java");
                Parallel.setThreads(threads);
                yield new BlasKernels();
            }
            case "auto" -> named(resolve("auto"), threads);
            default -> throw new InvalidSetting("kernels", "kernels '" + name + "' is unknown: choose " + CHOICES);
        };
    }

    /** What {@link #named} makes for this name: blas, java or naive (unknown names pass through). */
    public static String resolve(String name) {
        return name.equals("auto") ? (OpenBlas.available() ? "blas" : "java") : name.equals("fast") ? "java" : name;
    }

    /** The machine's fp32 matrix-product peak (FLOP/s) of these kernels on this many threads: a 1536³ product. */
    public static double peakFlops(Kernels k, int threads) {
        Parallel.setThreads(threads);
        if (k instanceof NaiveKernels && !(k instanceof FastKernels)) k = new FastKernels();
        return Peak.measure(1536, 5, k).medianGflops() * 1e9;
    }
}
