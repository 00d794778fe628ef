package jgpt.tensor;

import java.util.Arrays;
import java.util.Random;

/**
 * How close a generated token's matrix-vector products come to the memory bandwidth: the mat-vecs of one
 * decoding step of a GPT-2-shaped model (per layer wq, wk, wv, wo (C,C), w1 (C,4C), w2 (4C,C) row-major,
 * then the logits against wVocab (V,C)), on weights far larger than the caches, timed alternately with a
 * plain read of as many bytes (the vectorised sum of squares `jgpt bench` uses for its bound), and with the
 * row-major products split over K or over N ({@code Gemm.splitK}). Median of 9 rounds after a warm-up.
 * Usage (after mvn -Pjmh package):
 * java --add-modules jdk.incubator.vector -cp target/jmh/benchmarks.jar jgpt.tensor.DecodeStages THREADS [L C V]
 */
public final class DecodeStages {
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        int L = args.length > 1 ? Integer.parseInt(args[1]) : 12, C = args.length > 2 ? Integer.parseInt(args[2]) : 768;
        int V = args.length > 3 ? Integer.parseInt(args[3]) : 50257, F = 4 * C;
        Parallel.setThreads(threads);
        Random r = new Random(1);
        float[][] w = new float[L * 6][];
        int[][] shape = new int[L * 6][];
        for (int l = 0; l < L; l++)
            for (int i = 0; i < 6; i++) {
                int K = i == 5 ? F : C, N = i == 4 ? F : C;
                w[l * 6 + i] = rand(K * N, r);
                shape[l * 6 + i] = new int[] {K, N};
            }
        float[] vocab = rand(V * C, r);
        long bytes = 4L * (Arrays.stream(w).mapToLong(a -> a.length).sum() + vocab.length);
        float[] probe = new float[(int) (bytes / 4)];
        Arrays.fill(probe, 1f);
        Tensor probeT = Tensor.wrap("probe", probe, probe.length);
        float[] x = rand(F, r), y = new float[F], logits = new float[V];
        FastKernels fk = new FastKernels();
        Gemm g = new Gemm();
        int rounds = 9;
        double[][] ms = new double[4][rounds];   // split K: mat-vecs, logits; split N: mat-vecs; read probe
        // warm-up: at least 5 rounds and 3 s, so that C2 has compiled the small shapes' loops too
        long warmUntil = System.nanoTime() + 3_000_000_000L;
        for (int i = 0; i < 5 || System.nanoTime() < warmUntil; i++) round(g, fk, w, shape, vocab, probeT, x, y, logits, C, V, null, 0);
        for (int rep = 0; rep < rounds; rep++) round(g, fk, w, shape, vocab, probeT, x, y, logits, C, V, ms, rep);
        long nnBytes = bytes - 4L * vocab.length, ntBytes = 4L * vocab.length;
        double kSplit = median(ms[0]), logit = median(ms[1]), nSplit = median(ms[2]), read = median(ms[3]);
        System.out.printf("decode mat-vecs L=%d C=%d V=%d, %d thread(s); weights %,d bytes (medians of %d, alternating)%n",
                L, C, V, threads, bytes, rounds);
        System.out.printf("  plain read of as many bytes      %8.2f ms  %5.1f GB/s%n", read, bytes / read / 1e6);
        System.out.printf("  row-major mat-vecs, split over K %8.2f ms  %5.1f GB/s%n", kSplit, nnBytes / kSplit / 1e6);
        System.out.printf("  row-major mat-vecs, split over N %8.2f ms  %5.1f GB/s%n", nSplit, nnBytes / nSplit / 1e6);
        System.out.printf("  logits (wVocab rows)             %8.2f ms  %5.1f GB/s%n", logit, ntBytes / logit / 1e6);
        System.out.printf("  token (split K + logits) ÷ read  %8.2f%n", read / (kSplit + logit));
        System.exit(0);   // the pool threads
    }

    /** One round: the mat-vecs split over K, then over N, then the plain read; recorded in ms[.][rep] unless ms is null. */
    static void round(Gemm g, FastKernels fk, float[][] w, int[][] shape, float[] vocab, Tensor probe, float[] x, float[] y,
                      float[] logits, int C, int V, double[][] ms, int rep) {
        for (int mode = 0; mode < 2; mode++) {
            Gemm.splitK = mode == 0;
            long t0 = System.nanoTime();
            for (int m = 0; m < w.length; m++) g.gemm(y, 0, x, 0, false, w[m], 0, false, 1, shape[m][0], shape[m][1], false);
            long t1 = System.nanoTime();
            g.gemm(logits, 0, x, 0, false, vocab, 0, true, 1, C, V, false);
            long t2 = System.nanoTime();
            if (ms != null) {
                ms[mode == 0 ? 0 : 2][rep] = (t1 - t0) / 1e6;
                if (mode == 0) ms[1][rep] = (t2 - t1) / 1e6;
            }
        }
        long p0 = System.nanoTime();
        fk.sumSquares(probe, probe.size);
        if (ms != null) ms[3][rep] = (System.nanoTime() - p0) / 1e6;
    }

    static float[] rand(int n, Random r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * 0.02f;
        return a;
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
