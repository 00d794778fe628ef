package jgpt.cli;

import jgpt.UserError;
import jgpt.tensor.BlasKernels;
import jgpt.tensor.FastKernels;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;
import jgpt.tensor.OpenBlas;
import jgpt.tensor.Parallel;

/** Chooses the kernel implementation and sizes the one worker pool every parallel kernel uses. */
final class KernelsFactory {
    private KernelsFactory() {}

    /** The names --kernels takes. */
    static final String CHOICES = "auto | blas | java | naive";

    /**
     * auto: OpenBLAS for the matrix products where its bundled library loads (measured faster on every
     * config of BENCHMARKS.md), else pure Java; blas: the same but an error where it cannot load;
     * java (or fast): pure Java (Vector API) everywhere; naive: the reference loops, one thread.
     */
    static Kernels create(String name, int threads) {
        return switch (name) {
            case "naive" -> new NaiveKernels();
            case "java", "fast" -> { Parallel.setThreads(threads); yield new FastKernels(); }
            case "blas" -> {
                if (!OpenBlas.available())
                    throw new UserError("--kernels blas: OpenBLAS could not be loaded (" + OpenBlas.loadError() + "); use --kernels java");
                Parallel.setThreads(threads);
                yield new BlasKernels();
            }
            case "auto" -> create(OpenBlas.available() ? "blas" : "java", threads);
            default -> throw new UserError("unknown --kernels '" + name + "': use " + CHOICES);
        };
    }

    /** The name of what {@link #create} makes for this choice. */
    static String resolve(String name) {
        return name.equals("auto") ? (OpenBlas.available() ? "blas" : "java") : name.equals("fast") ? "java" : name;
    }

    /** The machine's fp32 matrix-product peak (FLOP/s) of these kernels on this many threads: a 1536³ product. */
    static double peakFlops(Kernels k, int threads) {
        Parallel.setThreads(threads);
        if (k instanceof NaiveKernels && !(k instanceof FastKernels)) k = new FastKernels();
        return jgpt.tensor.Peak.measure(1536, 5, k).medianGflops() * 1e9;
    }
}
