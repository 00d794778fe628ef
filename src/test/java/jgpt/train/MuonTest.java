package jgpt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import jgpt.data.Batches;
import jgpt.data.TokenFile;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.ParamLayout;
import jgpt.tensor.DType;
import jgpt.tensor.FastKernels;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;
import jgpt.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Muon's Newton–Schulz iteration against an SVD and against the same iteration in plain double loops; its update
 * rule on a model; a folded clip; and a resumed Muon run equal to the uninterrupted one bit for bit.
 */
class MuonTest {
    @TempDir Path tmp;

    /** Odd shapes, stored like weights (in, out): wide, tall, very tall, a single row and column, square. */
    static final int[][] SHAPES = {{7, 13}, {13, 7}, {32, 5}, {1, 9}, {9, 1}, {6, 6}};

    static double phi(double s) { return Muon.NS_A * s + Muon.NS_B * s * s * s + Muon.NS_C * s * s * s * s * s; }

    /**
     * The quintic φ(s) = a·s + b·s³ + c·s⁵ has a local maximum at s₁ ≈ 0.55 and a local minimum at s₂ ≈ 1.05;
     * [φ(s₂), φ(s₁)] ≈ [0.68, 1.20] is mapped into itself (checked here on a grid), and φ grows small values by
     * ≈ a = 3.44 per step, so a normalised singular value ≥ 0.01 is inside the band after 5 steps and stays there.
     */
    static double[] band() {
        double a = Muon.NS_A, b = Muon.NS_B, c = Muon.NS_C, d = Math.sqrt(9 * b * b - 20 * a * c);
        double s1 = Math.sqrt((-3 * b - d) / (10 * c)), s2 = Math.sqrt((-3 * b + d) / (10 * c));
        double lo = phi(s2), hi = phi(s1);
        for (double s = lo; s <= hi; s += 1e-4) assertTrue(phi(s) >= lo - 1e-12 && phi(s) <= hi + 1e-12, "φ maps the band into itself at " + s);
        return new double[] {lo, hi};
    }

    @Test void newtonSchulzPutsSingularValuesInTheQuinticsBand() {
        double[] band = band();
        assertEquals(0.68, band[0], 0.01);
        assertEquals(1.20, band[1], 0.01);
        Random r = new Random(17);
        for (int[] shape : SHAPES) {
            double[][] g = gaussian(r, shape[0], shape[1]);
            double[] s0 = singularValues(g);
            double fro = Math.sqrt(sumSq(g));
            assertTrue(s0[s0.length - 1] / fro >= 0.01, "precondition: no tiny singular value in this sample");
            double[] want = newtonSchulzInDoubles(g);
            for (Kernels k : new Kernels[] {new NaiveKernels(), new FastKernels()})
                for (DType t : DType.values()) {
                    double[] got = runKernels(k, t, g);
                    double tol = t == DType.F64 ? 1e-12 : 1e-5;
                    String what = shape[0] + "×" + shape[1] + " " + k.getClass().getSimpleName() + " " + t;
                    for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol, what + " element " + i + " vs plain double loops");
                    double[] s = singularValues(reshape(got, shape[0], shape[1]));
                    double[] pred = new double[s0.length];     // each singular value on its own: σ → |φ⁵(σ / ‖G‖_F)|
                    for (int i = 0; i < pred.length; i++) {
                        double v = s0[i] / (fro + Muon.NORM_EPS);
                        for (int it = 0; it < Muon.NS_STEPS; it++) v = phi(v);
                        pred[i] = Math.abs(v);
                    }
                    java.util.Arrays.sort(pred);
                    double[] sorted = s.clone();
                    java.util.Arrays.sort(sorted);
                    assertArrayEquals(pred, sorted, t == DType.F64 ? 1e-12 : 1e-5, what + ": singular values are φ⁵ of the input's");
                    for (double v : s)
                        assertTrue(v >= band[0] - 1e-6 && v <= band[1] + 1e-6, what + ": singular value " + v + " outside [" + band[0] + ", " + band[1] + "]");
                }
        }
    }

    /** The SVD used above, checked on its own: Σσ² = ‖M‖²_F and Σσ⁴ = ‖MᵀM‖²_F, and a known diagonal case. */
    @Test void jacobiSvdIsRight() {
        double[][] m = gaussian(new Random(3), 7, 4);
        double[] s = singularValues(m);
        double s2 = 0, s4 = 0;
        for (double v : s) { s2 += v * v; s4 += v * v * v * v; }
        double mtm = 0;
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++) {
                double d = 0;
                for (int i = 0; i < 7; i++) d += m[i][a] * m[i][b];
                mtm += d * d;
            }
        assertEquals(sumSq(m), s2, 1e-12);
        assertEquals(mtm, s4, 1e-10);
        assertArrayEquals(new double[] {3, 2, 0.5}, singularValues(new double[][] {{0, 2, 0}, {0.5, 0, 0}, {0, 0, -3}}), 1e-14);
    }

    /** One step on a model: the block matrices get Muon's update, everything else exactly AdamW's. */
    @Test void oneStepIsMuonOnBlockMatricesAndAdamWOnTheRest() {
        GPT a = OptimizerTest.model(), b = OptimizerTest.model();
        double[] w0 = a.params.toDoubles(), g0 = a.grads().toDoubles();
        double lr = 1e-2, muonLr = 0.05, mu = 0.9, wd = 0.1;
        new Muon(a, lr, muonLr, mu, true, 0.9, 0.99, 1e-8, wd).step(lr / 2);      // half way down a schedule
        new AdamW(b, 0.9, 0.99, 1e-8, wd, true).step(lr / 2);
        int matrices = 0;
        for (ParamLayout.Spec s : a.layout.specs()) {
            int off = (int) s.offset(), n = (int) s.size();
            if (!Muon.blockMatrix(s)) {
                for (int i = off; i < off + n; i++) assertEquals(b.params.get(i), a.params.get(i), 0, s.name() + " is AdamW's");
                continue;
            }
            matrices++;
            int in = s.shape()[0], out = s.shape()[1];
            double[][] u = new double[in][out];       // first step: buf = g, Nesterov u = g + μ·g
            for (int i = 0; i < n; i++) u[i / out][i % out] = g0[off + i] + mu * g0[off + i];
            double[] o = newtonSchulzInDoubles(u);
            double lrM = muonLr / 2, scale = Math.sqrt(Math.max(1.0, (double) out / in));
            for (int i = 0; i < n; i++)
                assertEquals(w0[off + i] * (1 - lrM * wd) - lrM * scale * o[i], a.params.get(off + i), 1e-14, s.name() + "[" + i + "]");
        }
        assertEquals(6, matrices, "wq wk wv wo w1 w2 of the one layer");
        assertEquals(2.0, Muon.scale(16, 64), 0, "W1 (C → 4C): √(out/in)");
        assertEquals(1.0, Muon.scale(64, 16), 0, "W2 (4C → C)");
    }

    /** A clip folded into the update equals clipping the gradient buffer first, over two steps (momentum included). */
    @Test void aFoldedClipEqualsClippingTheGradientsFirst() {
        GPT a = OptimizerTest.model(), b = OptimizerTest.model();
        Muon oa = new Muon(a, 1e-2, 0.05, 0.95, true, 0.9, 0.99, 1e-8, 0.1), ob = new Muon(b, 1e-2, 0.05, 0.95, true, 0.9, 0.99, 1e-8, 0.1);
        Random r = new Random(9);
        for (int step = 0; step < 2; step++) {
            Optimizer.clipGradNorm(a, 0.5);
            oa.step(1e-2);
            assertTrue(!ob.stepAndZeroGrads(1e-2, Optimizer.clipScale(Optimizer.gradNorm(b), 0.5)), "Muon leaves the zeroing to the trainer");
            for (int i = 0; i < a.grads().size; i++) {
                double g = 3 * r.nextGaussian();
                a.grads().set(i, g);
                b.grads().set(i, g);
            }
        }
        for (int i = 0; i < a.params.size; i++) assertEquals(a.params.get(i), b.params.get(i), 1e-12, "parameter " + i);
    }

    static TrainConfig config(int steps, int checkpointEvery) {
        return new TrainConfig(3, 8, steps, 2, "muon", 3e-3, 3e-4, 0.9, 0.95, 1e-8, 0.1, 0, "cosine", 3, 1.0,
                0, "random", 0, 0, checkpointEvery, 11, 0.02, 0.95);
    }

    @Test void resumeAfterCrashReproducesTheUninterruptedRunBitForBit() throws Exception {
        Path data = TrainerTest.tokens(tmp, 5000, 23);
        TokenFile tf = TokenFile.open(data);
        TrainConfig tc = config(12, 4);
        Path a = tmp.resolve("a");
        new Trainer(TrainerTest.model(), null, tc, Batches.random(tf, 3, 8, tc.seed()), null, a, 1e11, TrainerTest.QUIET).run();
        List<Double> full = TrainerTest.losses(a);
        assertTrue(full.get(11) < full.get(0), "Muon should lower the loss: " + full);

        Path b = tmp.resolve("b");      // dies during step 7, after the checkpoint of step 4
        Trainer crashing = new Trainer(TrainerTest.model(), null, tc, TrainerTest.crashingAfter(Batches.random(tf, 3, 8, tc.seed()), 13), null, b, 1e11, TrainerTest.QUIET);
        assertThrows(IllegalStateException.class, crashing::run);
        assertEquals(4, Checkpoint.readState(b).step());
        assertEquals(tc, Checkpoint.readState(b).train(), "the checkpoint keeps Muon's settings");

        GPT fresh = new GPT(Config.gpt2(23, 8, 2, 2, 16), DType.F32, new NaiveKernels()).initGpt2(999);
        Trainer resumed = new Trainer(fresh, null, tc, Batches.random(tf, 3, 8, 12345), null, b, 1e11, TrainerTest.QUIET);
        resumed.resume();
        assertEquals(4, resumed.optimizer().steps());
        resumed.run();
        List<Double> after = TrainerTest.losses(b);
        assertEquals(full.size(), after.size());
        for (int i = 0; i < full.size(); i++) assertEquals(full.get(i), after.get(i), 0.0, "loss of step " + i + " after resume");
        GPT ma = jgpt.io.ModelStore.load(a, new NaiveKernels()), mb = jgpt.io.ModelStore.load(b, new NaiveKernels());
        assertArrayEquals(ma.params.f, mb.params.f, "final weights equal bit for bit");
    }

    @Test void settingsAreValidated() {
        var e = assertThrows(jgpt.InvalidSetting.class, () -> new TrainConfig(3, 8, 4, 1, "muon", 3e-3, 3e-4, 0.9, 0.95, 1e-8, 0.1, 0,
                "cosine", 3, 1.0, 0, "random", 0, 0, 4, 11, 0, 0.95));
        assertTrue(e.getMessage().startsWith("muon-lr"), e.getMessage());
        e = assertThrows(jgpt.InvalidSetting.class, () -> new TrainConfig(3, 8, 4, 1, "muon", 3e-3, 3e-4, 0.9, 0.95, 1e-8, 0.1, 0,
                "cosine", 3, 1.0, 0, "random", 0, 0, 4, 11, 0.02, 1.0));
        assertTrue(e.getMessage().startsWith("muon-momentum"), e.getMessage());
    }

    // ---- the reference: Newton–Schulz in plain double loops, PyTorch's orientation ----------------------

    /** Newton–Schulz of a matrix stored (in, out), on torch's (out, in) orientation, transposed to rows ≤ cols; result stored (in, out). */
    static double[] newtonSchulzInDoubles(double[][] g) {
        int in = g.length, out = g[0].length;
        double[][] p = transpose(g);                          // nn.Linear's (out, in)
        boolean tall = out > in;
        double[][] x = tall ? transpose(p) : p;
        double norm = Math.sqrt(sumSq(x));
        for (double[] row : x) for (int j = 0; j < row.length; j++) row[j] /= norm + Muon.NORM_EPS;
        for (int it = 0; it < Muon.NS_STEPS; it++) {
            double[][] a = mul(x, transpose(x)), a2 = mul(a, a), bm = new double[a.length][a.length];
            for (int i = 0; i < a.length; i++) for (int j = 0; j < a.length; j++) bm[i][j] = Muon.NS_B * a[i][j] + Muon.NS_C * a2[i][j];
            double[][] bx = mul(bm, x);
            for (int i = 0; i < x.length; i++) for (int j = 0; j < x[0].length; j++) x[i][j] = Muon.NS_A * x[i][j] + bx[i][j];
        }
        double[][] o = tall ? transpose(x) : x;                // back to (out, in)
        double[][] w = transpose(o);                           // and to jgpt's (in, out)
        double[] flat = new double[in * out];
        for (int i = 0; i < in; i++) System.arraycopy(w[i], 0, flat, i * out, out);
        return flat;
    }

    static double[] runKernels(Kernels k, DType t, double[][] g) {
        int rows = g.length, cols = g[0].length, m = Math.min(rows, cols);
        Tensor x = Tensor.zeros(t, "x", rows, cols), next = Tensor.zeros(t, "next", rows, cols);
        Tensor gram = Tensor.zeros(t, "A", m, m), poly = Tensor.zeros(t, "B", m, m);
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) x.set(i * cols + j, g[i][j]);
        return Muon.newtonSchulz(k, x, next, gram, poly).toDoubles();
    }

    /** Singular values, largest first, by one-sided Jacobi (rotate column pairs until all are orthogonal; σ = column norms). */
    static double[] singularValues(double[][] m0) {
        double[][] a = m0.length >= m0[0].length ? copy(m0) : transpose(m0);   // rows ≥ cols
        int rows = a.length, cols = a[0].length;
        for (int sweep = 0; sweep < 100; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < cols - 1; p++)
                for (int q = p + 1; q < cols; q++) {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < rows; i++) { alpha += a[i][p] * a[i][p]; beta += a[i][q] * a[i][q]; gamma += a[i][p] * a[i][q]; }
                    if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double tan = Math.signum(zeta == 0 ? 1 : zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    double cs = 1 / Math.sqrt(1 + tan * tan), sn = cs * tan;
                    for (int i = 0; i < rows; i++) {
                        double ap = a[i][p], aq = a[i][q];
                        a[i][p] = cs * ap - sn * aq;
                        a[i][q] = sn * ap + cs * aq;
                    }
                }
            if (!rotated) break;
        }
        double[] s = new double[cols];
        for (int j = 0; j < cols; j++) { double n = 0; for (double[] row : a) n += row[j] * row[j]; s[j] = Math.sqrt(n); }
        java.util.Arrays.sort(s);
        for (int i = 0; i < cols / 2; i++) { double t = s[i]; s[i] = s[cols - 1 - i]; s[cols - 1 - i] = t; }
        return s;
    }

    static double[][] gaussian(Random r, int rows, int cols) {
        double[][] g = new double[rows][cols];
        for (double[] row : g) for (int j = 0; j < cols; j++) row[j] = r.nextGaussian();
        return g;
    }

    static double[][] reshape(double[] v, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) System.arraycopy(v, i * cols, m[i], 0, cols);
        return m;
    }

    static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[0].length; j++) t[j][i] = m[i][j];
        return t;
    }

    static double[][] copy(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) c[i] = m[i].clone();
        return c;
    }

    static double[][] mul(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++)
            for (int k = 0; k < b.length; k++)
                for (int j = 0; j < b[0].length; j++) c[i][j] += a[i][k] * b[k][j];
        return c;
    }

    static double sumSq(double[][] m) {
        double s = 0;
        for (double[] row : m) for (double v : row) s += v * v;
        return s;
    }
}
