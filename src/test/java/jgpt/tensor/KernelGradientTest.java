package jgpt.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Each op's backward kernel against central finite differences in double precision.
 * For an op out = f(in), the scalar L = Σ r ⊙ out with a fixed random r has ∂L/∂out = r, so
 * backward(dOut = r) must equal the numeric derivative of L with respect to every input element.
 */
class KernelGradientTest {
    final NaiveKernels k = new NaiveKernels();
    final Random rnd = new Random(3);

    Tensor rand(String name, int n, double scale) {
        Tensor t = Tensor.zeros(DType.F64, name, n);
        for (int i = 0; i < n; i++) t.set(i, rnd.nextGaussian() * scale);
        return t;
    }

    /** Compares analytic gradient `grad` of input `in` against finite differences of L = Σ r·out, out recomputed by `fwd`. */
    static void check(String what, Tensor in, Tensor grad, Tensor out, Tensor r, Runnable fwd) {
        double h = 1e-6, num2 = 0, diff2 = 0;
        for (int i = 0; i < in.size; i++) {
            double x0 = in.get(i);
            in.set(i, x0 + h); fwd.run(); double lp = dot(r, out);
            in.set(i, x0 - h); fwd.run(); double lm = dot(r, out);
            in.set(i, x0); fwd.run();
            double numeric = (lp - lm) / (2 * h);
            num2 += numeric * numeric;
            diff2 += Math.pow(numeric - grad.get(i), 2);
        }
        assertTrue(num2 > 0, what + ": zero gradient proves nothing");
        double rel = Math.sqrt(diff2 / num2);
        assertTrue(rel < 1e-7, what + ": relative error " + rel);
    }

    static double dot(Tensor a, Tensor b) { double s = 0; for (int i = 0; i < a.size; i++) s += a.get(i) * b.get(i); return s; }

    @Test void layerNorm() {
        int N = 3, C = 7;
        Tensor in = rand("in", N * C, 2), g = rand("g", C, 1), b = rand("b", C, 1), out = Tensor.zeros(DType.F64, "out", N * C);
        Tensor mean = Tensor.zeros(DType.F64, "m", N), rstd = Tensor.zeros(DType.F64, "r", N), r = rand("r", N * C, 1);
        Runnable fwd = () -> k.layerNorm(out, mean, rstd, in, g, b, N, C, 1e-5);
        fwd.run();
        Tensor dIn = Tensor.zeros(DType.F64, "dIn", N * C), dG = Tensor.zeros(DType.F64, "dG", C), dB = Tensor.zeros(DType.F64, "dB", C);
        k.layerNormBackward(dIn, dG, dB, r, in, g, mean, rstd, N, C);
        check("layerNorm dIn", in, dIn, out, r, fwd);
        check("layerNorm dGain", g, dG, out, r, fwd);
        check("layerNorm dBias", b, dB, out, r, fwd);
    }

    @Test void activations() {
        int n = 13;
        for (boolean gelu : new boolean[] {true, false}) {
            Tensor in = rand("in", n, 1.5), out = Tensor.zeros(DType.F64, "out", n), r = rand("r", n, 1);
            Runnable fwd = () -> { if (gelu) k.gelu(out, in, n); else k.relu(out, in, n); };
            fwd.run();
            Tensor dIn = Tensor.zeros(DType.F64, "dIn", n);
            if (gelu) k.geluBackward(dIn, r, in, n); else k.reluBackward(dIn, r, in, n);
            check(gelu ? "gelu" : "relu", in, dIn, out, r, fwd);
        }
    }

    @Test void attention() {
        int B = 2, T = 4, H = 2, C = 6;
        Tensor q = rand("q", B * T * C, 1), kk = rand("k", B * T * C, 1), v = rand("v", B * T * C, 1);
        Tensor out = Tensor.zeros(DType.F64, "out", B * T * C), att = Tensor.zeros(DType.F64, "att", B * H * T * T), r = rand("r", B * T * C, 1);
        Runnable fwd = () -> k.attention(out, att, q, kk, v, B, T, C, H);
        fwd.run();
        Tensor dq = Tensor.zeros(DType.F64, "dq", q.size), dk = Tensor.zeros(DType.F64, "dk", q.size), dv = Tensor.zeros(DType.F64, "dv", q.size);
        k.attentionBackward(dq, dk, dv, Tensor.zeros(DType.F64, "dAtt", att.size), r, q, kk, v, att, B, T, C, H);
        check("attention dq", q, dq, out, r, fwd);
        check("attention dk", kk, dk, out, r, fwd);
        check("attention dv", v, dv, out, r, fwd);
        // causal: rows sum to one, nothing above the diagonal
        for (int row = 0; row < B * H * T; row++) {
            int t = row % T;
            double s = 0;
            for (int j = 0; j < T; j++) { s += att.get(row * T + j); if (j > t) assertEquals(0, att.get(row * T + j)); }
            assertEquals(1, s, 1e-12);
        }
    }

    @Test void rope() {
        int B = 1, T = 5, H = 2, C = 8;
        Tensor x = rand("x", B * T * C, 1), out = Tensor.zeros(DType.F64, "out", x.size), r = rand("r", x.size, 1);
        Runnable fwd = () -> { out.copyFrom(x); k.rope(out, B, T, C, H, 3, 10000, false); };
        fwd.run();
        Tensor dx = Tensor.zeros(DType.F64, "dx", x.size);
        dx.copyFrom(r);
        k.rope(dx, B, T, C, H, 3, 10000, true);       // backward of a rotation is the inverse rotation
        check("rope", x, dx, out, r, fwd);
    }

    @Test void crossEntropy() {
        int N = 4, V = 9;
        int[] y = {2, -1, 8, 0};
        Tensor logits = rand("logits", N * V, 2), losses = Tensor.zeros(DType.F64, "l", N), dLogits = Tensor.zeros(DType.F64, "d", N * V);
        Tensor meanLoss = Tensor.zeros(DType.F64, "mean", 1), one = Tensor.zeros(DType.F64, "one", 1);
        one.set(0, 1);
        Consumer<Tensor> fwd = d -> meanLoss.set(0, k.crossEntropy(d, losses, logits, y, N, V));
        fwd.accept(dLogits);
        check("crossEntropy", logits, dLogits, meanLoss, one, () -> fwd.accept(null));
        assertEquals(0, losses.get(1));
    }

    @Test void matmulLayoutsAgree() {
        // the three layouts compute the same product on transposed copies of the operands
        int M = 3, K = 5, N = 4;
        Tensor a = rand("a", M * K, 1), b = rand("b", K * N, 1), aT = Tensor.zeros(DType.F64, "aT", K * M), bT = Tensor.zeros(DType.F64, "bT", N * K);
        for (int i = 0; i < M; i++) for (int p = 0; p < K; p++) aT.set(p * M + i, a.get(i * K + p));
        for (int p = 0; p < K; p++) for (int j = 0; j < N; j++) bT.set(j * K + p, b.get(p * N + j));
        Tensor o1 = Tensor.zeros(DType.F64, "o1", M * N), o2 = Tensor.zeros(DType.F64, "o2", M * N), o3 = Tensor.zeros(DType.F64, "o3", M * N);
        k.matmul(o1, a, b, M, K, N, false);
        k.matmulNT(o2, a, bT, M, K, N, false);
        k.matmulTN(o3, aT, b, M, K, N, false);
        for (int i = 0; i < M * N; i++) {
            double ref = 0;
            for (int p = 0; p < K; p++) ref += a.get((i / N) * K + p) * b.get(p * N + i % N);
            assertEquals(ref, o1.get(i), 1e-12);
            assertEquals(ref, o2.get(i), 1e-12);
            assertEquals(ref, o3.get(i), 1e-12);
        }
    }
}
