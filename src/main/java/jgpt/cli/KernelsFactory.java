package jgpt.cli;

import jgpt.tensor.FastKernels;
import jgpt.tensor.Kernels;
import jgpt.tensor.Parallel;

/** Chooses the kernel implementation and sizes the one worker pool every parallel kernel uses. */
final class KernelsFactory {
    private KernelsFactory() {}

    static Kernels fast(int threads) {
        Parallel.setThreads(threads);
        return new FastKernels();
    }

    /** The machine's fp32 matrix-product peak (FLOP/s) on this many threads, measured with a 1536³ product. */
    static double peakFlops(int threads) {
        Parallel.setThreads(threads);
        return jgpt.tensor.Peak.measure(1536, 5).medianGflops() * 1e9;
    }
}
