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

    /** A quick measurement of the machine's fp32 matrix-product peak (FLOP/s) on this many threads. */
    static double peakFlops(int threads) {
        Parallel.setThreads(threads);
        int n = 1024;
        var k = new FastKernels();
        var a = jgpt.tensor.Tensor.zeros(jgpt.tensor.DType.F32, "a", n, n);
        var b = jgpt.tensor.Tensor.zeros(jgpt.tensor.DType.F32, "b", n, n);
        var c = jgpt.tensor.Tensor.zeros(jgpt.tensor.DType.F32, "c", n, n);
        a.fill(0.5); b.fill(0.25);
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 12; rep++) {          // the first reps warm up the JIT; keep the best
            long t0 = System.nanoTime();
            k.matmul(c, a, b, n, n, n, false);
            if (rep >= 3) best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * n * n * n / best;
    }
}
