package jgpt.tensor;

import java.util.Random;

/**
 * Where causal attention's forward time goes, stage by stage, on one thread: FastKernels' own packing,
 * panel products and softmax called in the same order as its forward, each stage timed with nanoTime
 * (the calls take tens of microseconds, so the timer costs little). Prints the median of 9 repetitions
 * after a warm-up. Usage (after mvn -Pjmh package):
 * java --add-modules jdk.incubator.vector -cp target/jmh/benchmarks.jar jgpt.tensor.AttentionStages B T C H
 */
public final class AttentionStages {
    static final String[] STAGES = {"pack k", "pack v", "pack q", "q·kᵀ", "softmax", "pack att", "att·v"};

    public static void main(String[] args) {
        int B = Integer.parseInt(args[0]), T = Integer.parseInt(args[1]), C = Integer.parseInt(args[2]), H = Integer.parseInt(args[3]);
        int hs = C / H, blk = FastAttention.ATT_BLOCK;
        Random r = new Random(1);
        float[] q = rand(B * T * C, r), k = rand(B * T * C, r), v = rand(B * T * C, r);
        float[] out = new float[B * T * C], att = new float[B * H * T * T];
        float[] pa = new float[Gemm.roundUp(blk, Gemm.MR) * Math.max(T, hs)];
        float[] kT = new float[Gemm.roundUp(T, Gemm.NR) * hs], vp = new float[T * Gemm.roundUp(hs, Gemm.NR)], edge = new float[Gemm.MR * Gemm.NR];
        double flop = 2.0 * 2 * hs * B * H * T * (T + 1) / 2;
        float scale = (float) (1.0 / Math.sqrt(hs));
        int reps = 9;
        long[][] ns = new long[reps][STAGES.length + 1];
        for (int rep = -20; rep < reps; rep++) {
            long[] t = new long[STAGES.length + 1];
            long start = System.nanoTime();
            for (int task = 0; task < B * H; task++) {
                int row0 = (task / H) * T * C + (task % H) * hs, a0 = task * T * T;
                long c0 = System.nanoTime();
                Gemm.packBT(kT, 0, k, row0, C, 0, hs, 0, T);
                long c1 = System.nanoTime();
                Gemm.packBN(vp, 0, v, row0, C, 0, T, 0, hs);
                t[0] += c1 - c0; t[1] += System.nanoTime() - c1;
                for (int t0 = 0; t0 < T; t0 += blk) {
                    int t1 = Math.min(T, t0 + blk), m = t1 - t0, ar = a0 + t0 * T;
                    long s0 = System.nanoTime();
                    Gemm.packAN(pa, 0, q, row0 + t0 * C, C, 0, hs, 0, m);
                    long s1 = System.nanoTime();
                    Gemm.panels(att, ar, T, pa, hs, 0, kT, hs, 0, m, hs, t1, false, edge);
                    long s2 = System.nanoTime();
                    for (int i = t0; i < t1; i++) FastAttention.causalSoftmax(att, a0 + i * T, i, T, scale);
                    long s3 = System.nanoTime();
                    Gemm.packAN(pa, 0, att, ar, T, 0, t1, 0, m);
                    long s4 = System.nanoTime();
                    Gemm.panels(out, row0 + t0 * C, C, pa, t1, 0, vp, T, 0, m, t1, hs, false, edge);
                    long s5 = System.nanoTime();
                    t[2] += s1 - s0; t[3] += s2 - s1; t[4] += s3 - s2; t[5] += s4 - s3; t[6] += s5 - s4;
                }
            }
            t[STAGES.length] = System.nanoTime() - start;
            if (rep >= 0) ns[rep] = t;
        }
        long total = median(ns, STAGES.length);
        System.out.printf("attention forward B=%d T=%d C=%d H=%d, 1 thread: %.2f ms, %.1f GFLOP/s of useful (causal) work%n",
                B, T, C, H, total / 1e6, flop / total);
        for (int s = 0; s < STAGES.length; s++) {
            long m = median(ns, s);
            System.out.printf("  %-9s %7.3f ms  %5.1f %%%n", STAGES[s], m / 1e6, 100.0 * m / total);
        }
        double check = 0;
        for (float f : out) check += f;
        System.out.println("  (checksum " + check + ")");
    }

    static long median(long[][] ns, int col) {
        long[] x = new long[ns.length];
        for (int i = 0; i < ns.length; i++) x[i] = ns[i][col];
        java.util.Arrays.sort(x);
        return x[x.length / 2];
    }

    static float[] rand(int n, Random r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
