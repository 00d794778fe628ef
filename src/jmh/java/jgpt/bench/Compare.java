package jgpt.bench;

import java.util.Arrays;
import java.util.Random;
import jgpt.tensor.FastKernels;
import jgpt.tensor.Parallel;
import jgpt.tensor.Tensor;

/**
 * Java GEMM vs OpenBLAS on one shape at a time, timed in alternating ~0.4 s blocks (median of 5 each), so
 * that a load change on a shared machine hits both alike (JMH runs them in separate forks minutes apart).
 * Usage: java --add-modules jdk.incubator.vector -cp target/jmh/benchmarks.jar jgpt.bench.Compare [threads] [shape...]
 * with shapes written as in MatmulBench (name:MxKxN:layout); default: all of MatmulBench's.
 */
public final class Compare {
    static final int BLOCKS = 5;

    /** GFLOP/s over ~0.4 s of back-to-back calls, after a pause that lets the other library's threads go idle. */
    static double block(Runnable op, double flop) throws InterruptedException {
        Thread.sleep(250);   // OpenBLAS workers spin for a while after a call; Java's park after 50 µs
        long t0 = System.nanoTime(), t;
        int n = 0;
        do { op.run(); n++; } while ((t = System.nanoTime()) - t0 < 400_000_000L);
        return n * flop / (t - t0);
    }

    /** About a second of every layout, so the first shape is not timed on half-compiled code. */
    static void jitWarmup(FastKernels k) {
        int n = 192;
        Tensor a = Tensor.wrap("a", new float[n * n], n * n), b = Tensor.wrap("b", new float[n * n], n * n), c = Tensor.wrap("c", new float[n * n], n * n);
        for (long t0 = System.nanoTime(); System.nanoTime() - t0 < 1_000_000_000L; ) {
            k.matmul(c, a, b, n, n, n, false);
            k.matmulNT(c, a, b, n, n, n, false);
            k.matmulTN(c, a, b, n, n, n, true);
        }
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        String[] shapes = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length)
                : MatmulBench.class.getField("shape").getAnnotation(org.openjdk.jmh.annotations.Param.class).value();
        Parallel.setThreads(threads);
        FastKernels k = new FastKernels();
        jgpt.tensor.Kernels ob = new jgpt.tensor.BlasKernels(0);
        jitWarmup(k);
        System.out.printf("%-34s %10s %10s %7s   (threads %d, median of 5 alternating blocks)%n", "shape", "java", "openblas", "ratio", threads);
        double logSum = 0;
        for (String shape : shapes) {
            String[] p = shape.split(":");
            String[] d = p[1].split("x");
            int M = Integer.parseInt(d[0]), K = Integer.parseInt(d[1]), N = Integer.parseInt(d[2]);
            boolean ta = p[2].equals("TN"), tb = p[2].equals("NT");
            Random r = new Random(1);
            float[] a = new float[M * K], b = new float[K * N], c = new float[M * N];
            for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
            Tensor A = Tensor.wrap("a", a, a.length), B = Tensor.wrap("b", b, b.length), Cc = Tensor.wrap("c", c, c.length);
            double flop = 2.0 * M * K * N;
            Runnable java = () -> {
                if (ta) k.matmulTN(Cc, A, B, M, K, N, false); else if (tb) k.matmulNT(Cc, A, B, M, K, N, false); else k.matmul(Cc, A, B, M, K, N, false);
            };
            Runnable blas = () -> {
                if (ta) ob.matmulTN(Cc, A, B, M, K, N, false); else if (tb) ob.matmulNT(Cc, A, B, M, K, N, false); else ob.matmul(Cc, A, B, M, K, N, false);
            };
            double[] gjs = new double[BLOCKS], gos = new double[BLOCKS];
            for (int i = -1; i < BLOCKS; i++) {           // block −1 is warm-up
                double gj = block(java, flop), go = block(blas, flop);
                if (i >= 0) { gjs[i] = gj; gos[i] = go; }
            }
            Arrays.sort(gjs);
            Arrays.sort(gos);
            double gj = gjs[BLOCKS / 2], go = gos[BLOCKS / 2];
            logSum += Math.log(gj / go);
            System.out.printf("%-34s %10.1f %10.1f %7.2f%n", shape, gj, go, gj / go);
        }
        System.out.printf("geometric mean java/openblas: %.2f%n", Math.exp(logSum / shapes.length));
        System.exit(0);
    }
}
