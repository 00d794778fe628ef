package jgpt.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every FastKernels op against NaiveKernels computed in double on the same (float) inputs: error at most
 * 1e-5 relative, per element against max(|reference|, rms of the reference tensor) so that elements that
 * cancel to ~0 are judged on the tensor's scale. Sizes are odd on purpose (not multiples of the vector
 * width or the GEMM tiles; single rows, single columns, M = 1), tensors are views at a nonzero offset,
 * and the big cases are large enough to take the parallel paths (3 threads, so splits are uneven).
 */
class FastKernelsTest {
    static final double TOL = 1e-5;
    final FastKernels fast = new FastKernels();
    final NaiveKernels naive = new NaiveKernels();
    final Random rnd = new Random(42);

    @BeforeAll static void threads() { Parallel.setThreads(3); }
    @AfterAll static void restore() { Parallel.setThreads(Parallel.defaultThreads()); }

    /** A float tensor of n random N(0, scale²) values, as a view 3 elements into a larger buffer. */
    Tensor rand(String name, int n, double scale) {
        float[] buf = new float[n + 5];
        for (int i = 0; i < buf.length; i++) buf[i] = (float) (rnd.nextGaussian() * scale);
        return Tensor.wrap(name, buf, n + 5).view(name, 3, n);
    }

    Tensor zerosF(String name, int n) { return Tensor.wrap(name, new float[n + 4], n + 4).view(name, 2, n); }

    /** Exact double copy of a float tensor. */
    static Tensor dbl(Tensor t) {
        if (t == null) return null;
        Tensor d = Tensor.zeros(DType.F64, t.name, t.size);
        for (int i = 0; i < t.size; i++) d.set(i, t.get(i));
        return d;
    }

    static void close(String what, Tensor ref, Tensor got) {
        assertEquals(ref.size, got.size, what + " size");
        double ss = 0;
        for (int i = 0; i < ref.size; i++) ss += ref.get(i) * ref.get(i);
        double rms = Math.sqrt(ss / Math.max(1, ref.size));
        double worst = 0;
        int at = -1;
        for (int i = 0; i < ref.size; i++) {
            double r = ref.get(i), g = got.get(i);
            assertTrue(Double.isFinite(g), what + "[" + i + "] = " + g);
            double err = Math.abs(r - g) / Math.max(Math.max(Math.abs(r), rms), 1e-30);
            if (err > worst) { worst = err; at = i; }
        }
        assertTrue(worst <= TOL, what + ": relative error " + worst + " at " + at + " (ref " + (at < 0 ? 0 : ref.get(at))
                + ", got " + (at < 0 ? 0 : got.get(at)) + ")");
    }

    // ------------------------------------------------------------------------------------------ matmul

    static final int[][] SHAPES = {   // M, K, N
            {1, 1, 1}, {1, 37, 53}, {1, 300, 7}, {5, 1, 9}, {7, 13, 1}, {3, 17, 19}, {4, 16, 16},
            {33, 65, 47}, {67, 129, 301}, {301, 129, 67}, {130, 270, 9}, {2, 515, 3}, {1, 257, 4099},
            {45, 300, 200}, {200, 300, 45},    // these two: operands packed once, K over two KC blocks
            {1, 1031, 613}, {1, 129, 9},       // mat-vecs whose rows go in K blocks (partial sums), 12 of them and 6
            {1, 203, 1543}};                   // one whose rows go eight per sweep (wide), with tails in k and j

    @ParameterizedTest(name = "layout {0}")
    @ValueSource(strings = {"NN", "NT", "TN"})
    void matmulLayouts(String layout) {
        for (int[] s : SHAPES) {
            int M = s[0], K = s[1], N = s[2];
            for (boolean acc : new boolean[] {false, true}) {
                Tensor a = rand("a", M * K, 1), b = rand("b", K * N, 1), out = rand("out", M * N, 1);
                Tensor ref = dbl(out), ad = dbl(a), bd = dbl(b);
                switch (layout) {
                    case "NN" -> { naive.matmul(ref, ad, bd, M, K, N, acc); fast.matmul(out, a, b, M, K, N, acc); }
                    case "NT" -> { naive.matmulNT(ref, ad, bd, M, K, N, acc); fast.matmulNT(out, a, b, M, K, N, acc); }
                    default -> { naive.matmulTN(ref, ad, bd, M, K, N, acc); fast.matmulTN(out, a, b, M, K, N, acc); }
                }
                close(layout + " " + M + "x" + K + "x" + N + (acc ? " +=" : ""), ref, out);
            }
        }
    }

    @Test void matmulSingleThreadMatchesParallel() {
        // NT: each C element is one dot product in the same order, so the split must not change a bit.
        // NN with M = 1 (a decoding mat-vec): K goes in fixed blocks of rows whatever the thread count, so
        // the partial sums and their order, and the bits, are the same on 1 thread and on 3.
        for (int[] s : new int[][] {{97, 211, 133, 1}, {1, 1031, 613, 0}, {1, 3072, 768, 0}}) {
            int M = s[0], K = s[1], N = s[2];
            boolean nt = s[3] == 1;
            Tensor a = rand("a", M * K, 1), b = rand("b", K * N, 1), par = zerosF("par", M * N), ser = zerosF("ser", M * N);
            if (nt) fast.matmulNT(par, a, b, M, K, N, false); else fast.matmul(par, a, b, M, K, N, false);
            Parallel.setThreads(1);
            try {
                if (nt) fast.matmulNT(ser, a, b, M, K, N, false); else fast.matmul(ser, a, b, M, K, N, false);
            } finally {
                Parallel.setThreads(3);
            }
            for (int i = 0; i < par.size; i++) assertEquals(ser.get(i), par.get(i), 0.0, M + "x" + K + "x" + N + " element " + i);
        }
    }

    // -------------------------------------------------------------------------------------- row ops

    @Test void biasForwardBackward() {
        for (int[] s : new int[][] {{1, 1}, {3, 5}, {1001, 77}, {64, 1031}}) {
            int N = s[0], C = s[1];
            Tensor out = rand("out", N * C, 1), bias = rand("bias", C, 1), ref = dbl(out);
            naive.addBias(ref, dbl(bias), N, C);
            fast.addBias(out, bias, N, C);
            close("addBias " + N + "x" + C, ref, out);

            Tensor dOut = rand("dOut", N * C, 1), dB = rand("dB", C, 1), dBref = dbl(dB);
            naive.biasBackward(dBref, dbl(dOut), N, C);
            fast.biasBackward(dB, dOut, N, C);
            close("biasBackward " + N + "x" + C, dBref, dB);
        }
    }

    @Test void layerNormForwardBackward() {
        for (int[] s : new int[][] {{1, 1}, {3, 7}, {1001, 67}, {17, 769}}) {
            int N = s[0], C = s[1];
            for (boolean affine : new boolean[] {true, false}) {
                Tensor in = rand("in", N * C, 2), g = affine ? rand("g", C, 1) : null, b = affine ? rand("b", C, 1) : null;
                for (int i = 0; i < in.size; i++) in.add(i, 3);            // a nonzero mean, as in a residual stream
                Tensor out = zerosF("out", N * C), mean = zerosF("mean", N), rstd = zerosF("rstd", N);
                Tensor outR = dbl(out), meanR = dbl(mean), rstdR = dbl(rstd);
                naive.layerNorm(outR, meanR, rstdR, dbl(in), dbl(g), dbl(b), N, C, 1e-5);
                fast.layerNorm(out, mean, rstd, in, g, b, N, C, 1e-5);
                String w = "layerNorm " + N + "x" + C + (affine ? "" : " plain");
                if (C > 1) {   // C = 1: x − mean is exactly 0 and the output is the bias
                    close(w + " out", outR, out);
                    close(w + " rstd", rstdR, rstd);
                }
                close(w + " mean", meanR, mean);

                Tensor dOut = rand("dOut", N * C, 1), dIn = rand("dIn", N * C, 1);
                Tensor dG = affine ? rand("dG", C, 1) : null, dBias = affine ? rand("dBias", C, 1) : null;
                Tensor dInR = dbl(dIn), dGR = dbl(dG), dBR = dbl(dBias);
                // both from the same saved statistics (the float ones), so only the backward is compared
                naive.layerNormBackward(dInR, dGR, dBR, dbl(dOut), dbl(in), dbl(g), dbl(mean), dbl(rstd), N, C);
                fast.layerNormBackward(dIn, dG, dBias, dOut, in, g, mean, rstd, N, C);
                close(w + " dIn", dInR, dIn);
                if (affine) { close(w + " dGain", dGR, dG); close(w + " dBias", dBR, dBias); }
            }
        }
    }

    @Test void softmaxAndCrossEntropy() {
        for (int[] s : new int[][] {{1, 1}, {5, 65}, {37, 1003}, {3, 50257}}) {
            int N = s[0], V = s[1];
            Tensor logits = rand("logits", N * V, 3);
            Tensor probs = zerosF("probs", N * V), probsR = dbl(probs);
            naive.softmax(probsR, dbl(logits), N, V);
            fast.softmax(probs, logits, N, V);
            close("softmax " + N + "x" + V, probsR, probs);

            int[] targets = new int[N];
            for (int i = 0; i < N; i++) targets[i] = (i % 4 == 3) ? -1 : rnd.nextInt(V);   // some ignored rows
            Tensor dl = rand("dl", N * V, 1), losses = zerosF("losses", N);
            Tensor dlR = dbl(dl), lossesR = dbl(losses);
            double lr = naive.crossEntropy(dlR, lossesR, dbl(logits), targets, N, V);
            double lf = fast.crossEntropy(dl, losses, logits, targets, N, V);
            assertEquals(lr, lf, TOL * Math.abs(lr), "mean loss " + N + "x" + V);
            close("crossEntropy losses", lossesR, losses);
            close("crossEntropy dLogits " + N + "x" + V, dlR, dl);
            double le = fast.crossEntropy(null, losses, logits, targets, N, V);   // evaluation only
            assertEquals(lr, le, TOL * Math.abs(lr), "loss without gradient");
        }
    }

    @Test void rope() {
        int B = 2, T = 9, H = 3, C = 3 * 10;
        for (int pos0 : new int[] {0, 5}) {
            for (boolean inverse : new boolean[] {false, true}) {
                Tensor x = rand("x", B * T * C, 1), ref = dbl(x);
                naive.rope(ref, B, T, C, H, pos0, 10000, inverse);
                fast.rope(x, B, T, C, H, pos0, 10000, inverse);
                close("rope pos0=" + pos0 + (inverse ? " inverse" : ""), ref, x);
            }
        }
        // the table grows past its first size (generation walks to later positions)
        Tensor x = rand("x", 1 * 1 * C, 1), ref = dbl(x);
        naive.rope(ref, 1, 1, C, H, 400, 500, false);
        fast.rope(x, 1, 1, C, H, 400, 500, false);
        close("rope at position 400, theta 500", ref, x);
    }

    // ------------------------------------------------------------------------------------ attention

    @Test void attentionForwardBackward() {
        for (int[] s : new int[][] {{1, 1, 8, 1}, {2, 7, 12, 3}, {2, 130, 40, 2}, {3, 65, 18, 3}, {2, 64, 64, 2}, {1, 70, 96, 3}}) {
            int B = s[0], T = s[1], C = s[2], H = s[3];
            Tensor q = rand("q", B * T * C, 1), k = rand("k", B * T * C, 1), v = rand("v", B * T * C, 1);
            Tensor out = rand("out", B * T * C, 1), att = rand("att", B * H * T * T, 1);   // stale contents
            Tensor outR = dbl(out), attR = dbl(att);
            naive.attention(outR, attR, dbl(q), dbl(k), dbl(v), B, T, C, H);
            fast.attention(out, att, q, k, v, B, T, C, H);
            String w = "attention B=" + B + " T=" + T + " C=" + C + " H=" + H;
            close(w + " att", attR, att);
            close(w + " out", outR, out);

            Tensor dOut = rand("dOut", B * T * C, 1);
            Tensor dq = rand("dq", B * T * C, 1), dk = rand("dk", B * T * C, 1), dv = rand("dv", B * T * C, 1);
            Tensor dqR = dbl(dq), dkR = dbl(dk), dvR = dbl(dv);
            naive.attentionBackward(dqR, dkR, dvR, Tensor.zeros(DType.F64, "dAtt", att.size), dbl(dOut), dbl(q), dbl(k), dbl(v),
                    dbl(att), B, T, C, H);
            fast.attentionBackward(dq, dk, dv, rand("dAtt", att.size, 1), dOut, q, k, v, att, B, T, C, H);
            close(w + " dq", dqR, dq);
            close(w + " dk", dkR, dk);
            close(w + " dv", dvR, dv);
        }
    }

    @Test void attentionWithCache() {
        int C = 30, H = 3;
        for (int[] s : new int[][] {{1, 0}, {1, 37}, {5, 0}, {70, 3}}) {
            int Tq = s[0], pos0 = s[1], S = pos0 + Tq, cap = S + 4;     // cache capacity beyond the used rows
            Tensor q = rand("q", Tq * C, 1), kc = rand("kc", cap * C, 1), vc = rand("vc", cap * C, 1);
            Tensor out = rand("out", Tq * C, 1), att = rand("att", H * Tq * S, 1);
            Tensor outR = dbl(out), attR = dbl(att);
            naive.attentionCached(outR, attR, dbl(q), dbl(kc), dbl(vc), Tq, pos0, C, H);
            fast.attentionCached(out, att, q, kc, vc, Tq, pos0, C, H);
            close("attentionCached Tq=" + Tq + " pos0=" + pos0 + " att", attR, att);
            close("attentionCached Tq=" + Tq + " pos0=" + pos0 + " out", outR, out);
        }
    }

    // ---------------------------------------------------------------------------------- elementwise

    @Test void elementwise() {
        for (int n : new int[] {1, 7, 100_003}) {
            Tensor a = rand("a", n, 1), b = rand("b", n, 1), o = rand("o", n, 1);
            Tensor ref = dbl(o);
            naive.add(ref, dbl(a), dbl(b), n); fast.add(o, a, b, n); close("add " + n, ref, o);
            naive.accumulate(ref, dbl(a), n); fast.accumulate(o, a, n); close("accumulate " + n, ref, o);
            naive.mul(ref, dbl(a), dbl(b), n); fast.mul(o, a, b, n); close("mul " + n, ref, o);
            naive.scale(ref, -0.37, n); fast.scale(o, -0.37, n); close("scale " + n, ref, o);
            naive.scaleAdd(ref, dbl(b), 1.7, n); fast.scaleAdd(o, b, 1.7, n); close("scaleAdd " + n, ref, o);
            double sr = naive.sumSquares(dbl(a), n), sf = fast.sumSquares(a, n);
            assertEquals(sr, sf, TOL * sr, "sumSquares " + n);
        }
    }

    @Test void activations() {
        for (int n : new int[] {1, 13, 100_003}) {
            Tensor in = rand("in", n, 2.5), out = zerosF("out", n), ref = dbl(out);
            naive.gelu(ref, dbl(in), n); fast.gelu(out, in, n); close("gelu " + n, ref, out);
            Tensor dOut = rand("dOut", n, 1), dIn = rand("dIn", n, 1), dRef = dbl(dIn);
            naive.geluBackward(dRef, dbl(dOut), dbl(in), n); fast.geluBackward(dIn, dOut, in, n); close("geluBackward " + n, dRef, dIn);
            naive.relu(ref, dbl(in), n); fast.relu(out, in, n); close("relu " + n, ref, out);
            naive.reluBackward(dRef, dbl(dOut), dbl(in), n); fast.reluBackward(dIn, dOut, in, n); close("reluBackward " + n, dRef, dIn);
            naive.relu2(ref, dbl(in), n); fast.relu2(out, in, n); close("relu2 " + n, ref, out);
            naive.relu2Backward(dRef, dbl(dOut), dbl(in), n); fast.relu2Backward(dIn, dOut, in, n); close("relu2Backward " + n, dRef, dIn);
        }
    }

    @Test void rmsNormForwardBackward() {
        for (int[] s : new int[][] {{1, 1}, {3, 7}, {1001, 67}, {17, 769}, {96, 32}}) {
            int N = s[0], C = s[1];
            for (boolean affine : new boolean[] {true, false}) {
                Tensor in = rand("in", N * C, 2), g = affine ? rand("g", C, 1) : null;
                Tensor out = zerosF("out", N * C), rstd = zerosF("rstd", N), outR = dbl(out), rstdR = dbl(rstd);
                naive.rmsNorm(outR, rstdR, dbl(in), dbl(g), N, C, 1e-5);
                fast.rmsNorm(out, rstd, in, g, N, C, 1e-5);
                String w = "rmsNorm " + N + "x" + C + (affine ? "" : " plain");
                close(w + " out", outR, out);
                close(w + " rstd", rstdR, rstd);

                Tensor dOut = rand("dOut", N * C, 1), dIn = rand("dIn", N * C, 1), dG = affine ? rand("dG", C, 1) : null;
                Tensor dInR = dbl(dIn), dGR = dbl(dG);
                naive.rmsNormBackward(dInR, dGR, dbl(dOut), dbl(in), dbl(g), dbl(rstd), N, C);
                fast.rmsNormBackward(dIn, dG, dOut, in, g, rstd, N, C);
                close(w + " dIn", dInR, dIn);
                if (affine) close(w + " dGain", dGR, dG);
            }
        }
    }

    @Test void adamw() {
        for (int n : new int[] {1, 9, 100_003}) {
            Tensor w = rand("w", n, 1), g = rand("g", n, 0.1), m = rand("m", n, 0.01), v = zerosF("v", n);
            for (int i = 0; i < n; i++) v.set(i, 1e-4 * rnd.nextDouble());
            Tensor wR = dbl(w), mR = dbl(m), vR = dbl(v);
            int t = 3;
            double bc1 = 1 - Math.pow(0.9, t), bc2 = 1 - Math.pow(0.95, t);
            double gs = n == 9 ? 1 : 0.37;      // a clip factor folded into the update
            naive.adamw(wR, dbl(g), mR, vR, n, 1e-3, 0.9, 0.95, 1e-8, 0.1, bc1, bc2, gs);
            fast.adamw(w, g, m, v, n, 1e-3, 0.9, 0.95, 1e-8, 0.1, bc1, bc2, gs);
            close("adamw w " + n, wR, w);
            close("adamw m " + n, mR, m);
            close("adamw v " + n, vR, v);
            // the same step again, zeroing the gradient on the way: same update, g left all zero
            Tensor gR = dbl(g);
            naive.adamw(wR, gR, mR, vR, n, 1e-3, 0.9, 0.95, 1e-8, 0.1, bc1, bc2, gs, true);
            fast.adamw(w, g, m, v, n, 1e-3, 0.9, 0.95, 1e-8, 0.1, bc1, bc2, gs, true);
            close("adamw+zero w " + n, wR, w);
            close("adamw+zero m " + n, mR, m);
            for (int i = 0; i < n; i++) {
                assertEquals(0, g.get(i), 0, "fast gradient " + i + " of " + n + " zeroed");
                assertEquals(0, gR.get(i), 0, "naive gradient " + i + " of " + n + " zeroed");
            }
        }
    }

    @Test void doubleTensorsUseTheReference() {
        int M = 3, K = 5, N = 4;
        Tensor a = dbl(rand("a", M * K, 1)), b = dbl(rand("b", K * N, 1));
        Tensor o1 = Tensor.zeros(DType.F64, "o1", M * N), o2 = Tensor.zeros(DType.F64, "o2", M * N);
        naive.matmul(o1, a, b, M, K, N, false);
        fast.matmul(o2, a, b, M, K, N, false);
        for (int i = 0; i < o1.size; i++) assertEquals(o1.get(i), o2.get(i), 0.0);   // bit-identical: same code
        assertTrue(o1.get(0) != 0);
    }
}
