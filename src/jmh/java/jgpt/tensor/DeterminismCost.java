package jgpt.tensor;

import java.util.Arrays;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * What the deterministic lane sum and exp cost against the Vector API's own (whose bits depend on the
 * JIT tier): softmax rows as FastKernels runs them (exp, sum, scale) and short dot products (attention's
 * head size), each pair timed in alternating 0.2 s blocks in one JVM, median of 9 ratios, one thread.
 * Usage (after mvn -Pjmh package):
 * java --add-modules jdk.incubator.vector -cp target/jmh/benchmarks.jar jgpt.tensor.DeterminismCost
 */
public final class DeterminismCost {
    static final int L = VecMath.L;
    static float sink;

    public static void main(String[] args) {
        Random r = new Random(3);
        for (int n : new int[] {64, 256, 1024, 50257}) {
            float[] x = new float[n], o = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * 3;
            report("softmax row n=" + n, () -> FastRows.softmaxRow(o, 0, x, 0, n), () -> softmaxOld(o, 0, x, 0, n));
        }
        for (int hs : new int[] {32, 64}) {
            float[] a = new float[hs * 256], b = new float[hs * 256];
            for (int i = 0; i < a.length; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); }
            report("256 dot products of " + hs, () -> dots(a, b, hs, true), () -> dots(a, b, hs, false));
        }
    }

    interface Job { void run(); }

    /** Median over 9 rounds of (time per call, new) ÷ (time per call, old), blocks of 0.2 s alternating. */
    static void report(String what, Job now, Job old) {
        for (int w = 0; w < 10; w++) { time(now); time(old); }
        double[] ratio = new double[9];
        double nowNs = 0, oldNs = 0;
        for (int i = 0; i < ratio.length; i++) {
            double a = time(now), b = time(old);
            ratio[i] = a / b;
            nowNs += a / ratio.length;
            oldNs += b / ratio.length;
        }
        Arrays.sort(ratio);
        System.out.printf("%-28s deterministic %9.1f ns, Vector API %9.1f ns, ratio %.3f (range %.3f-%.3f)%n",
                what, nowNs, oldNs, ratio[4], ratio[0], ratio[8]);
    }

    static double time(Job j) {
        long calls = 0, t0 = System.nanoTime(), t;
        do { for (int i = 0; i < 64; i++) j.run(); calls += 64; } while ((t = System.nanoTime()) - t0 < 200_000_000L);
        return (double) (t - t0) / calls;
    }

    static void dots(float[] a, float[] b, int hs, boolean deterministic) {
        float s = 0;
        for (int row = 0; row < a.length / hs; row++) {
            FloatVector acc = FloatVector.zero(VecMath.S);
            for (int c = 0; c < hs; c += L) acc = FloatVector.fromArray(VecMath.S, a, row * hs + c).fma(FloatVector.fromArray(VecMath.S, b, row * hs + c), acc);
            s += deterministic ? VecMath.sum(acc) : acc.reduceLanes(VectorOperators.ADD);
        }
        sink = s;
    }

    /** FastRows.softmaxRow as it was: lanewise(EXP), reduceLanes(ADD), Math.exp tails. */
    static void softmaxOld(float[] o, int w, float[] x, int r, int n) {
        float max = FastRows.rowMax(x, r, n);
        int cv = n / L * L, c = 0;
        FloatVector acc = FloatVector.zero(VecMath.S);
        for (; c < cv; c += L) {
            FloatVector e = FloatVector.fromArray(VecMath.S, x, r + c).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(o, w + c);
            acc = e.add(acc);
        }
        double sum = FloatVector.zero(VecMath.S).add(acc).reduceLanes(VectorOperators.ADD);
        for (; c < n; c++) { float e = (float) Math.exp(x[r + c] - max); o[w + c] = e; sum += e; }
        float inv = (float) (1 / sum);
        for (c = 0; c < cv; c += L) FloatVector.fromArray(VecMath.S, o, w + c).mul(inv).intoArray(o, w + c);
        for (; c < n; c++) o[w + c] *= inv;
    }
}
