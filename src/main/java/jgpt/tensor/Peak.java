package jgpt.tensor;

import java.util.Arrays;
import java.util.Random;

/**
 * The machine's measured fp32 matmul peak: a big square product (n³, default 1536) on the GEMM in use
 * (pure Java, or OpenBLAS) with the current {@link Parallel} thread count, median of a few timed repetitions after a warm-up.
 * jgpt bench divides its achieved GFLOP/s by this to report MFU.
 */
public final class Peak {
    private Peak() {}

    public record Result(int n, int threads, double medianGflops, double minGflops, double maxGflops) {}

    /** The peak of the matrix product of k (the pure-Java GEMM, or OpenBLAS for {@link BlasKernels}). */
    public static Result measure(int n, int reps, Kernels k) {
        if (n < 1 || reps < 1) throw new IllegalArgumentException("need n >= 1 and reps >= 1");
        float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
        Random r = new Random(7);
        for (int i = 0; i < a.length; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); }
        Tensor ta = Tensor.wrap("a", a, a.length), tb = Tensor.wrap("b", b, b.length), tc = Tensor.wrap("c", c, c.length);
        double flops = 2.0 * n * n * n;
        for (int w = 0; w < 2; w++) k.matmul(tc, ta, tb, n, n, n, false);   // JIT + page-in
        double[] gf = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            k.matmul(tc, ta, tb, n, n, n, false);
            gf[i] = flops / (System.nanoTime() - t0);
        }
        Arrays.sort(gf);
        return new Result(n, Parallel.threads(), gf[reps / 2], gf[0], gf[reps - 1]);
    }
}
