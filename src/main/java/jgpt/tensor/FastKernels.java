package jgpt.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast kernels: float only (any F64 tensor goes to {@link NaiveKernels}), Vector API with scalar tails,
 * parallel on {@link Parallel}'s pool. Matrix products are {@link Gemm}; attention runs one (batch, head)
 * per task as small GEMMs on the head's slices; row ops (LayerNorm, softmax, cross-entropy) run a row per
 * iteration with the row in L1. Each parallel op is a reusable task object, so a training step allocates
 * nothing. Every op is tested against NaiveKernels (FastKernelsTest).
 *
 * <p>Methods are synchronized: the task objects and scratch belong to this instance.
 */
public class FastKernels extends NaiveKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Elementwise ops below this many elements run inline: waking the pool costs ~µs. */
    static final int EW_CHUNK = 1 << 15;
    /** Query rows per attention block: keys past the block's last row are never touched (causal). */
    static final int ATT_BLOCK = Integer.getInteger("jgpt.attBlock", 32);

    private final Gemm gemm = new Gemm();
    private final Elementwise ew = new Elementwise();
    private final Rows rows = new Rows();
    private final Attention att = new Attention();
    /** Most chunks a reduction is cut into: each sums into its own partial, added up in chunk order. */
    static final int MAX_CHUNKS = 64;
    private float[][] partial = new float[0][];      // (chunks, 2·C) per-chunk dGain|dBias sums
    private final double[] partialD = new double[MAX_CHUNKS];   // per-chunk sums of squares
    private float[] ropeCos = new float[0], ropeSin = new float[0];   // (positions, hs/2)
    private int ropeHs = -1, ropePositions;
    private double ropeTheta = Double.NaN;

    public FastKernels() {}

    @Override public Kernels copy() { return new FastKernels(); }

    private static boolean f32(Tensor a) { return a == null || a.f != null; }
    private static boolean f32(Tensor a, Tensor b) { return f32(a) && f32(b); }
    private static boolean f32(Tensor a, Tensor b, Tensor c) { return f32(a) && f32(b) && f32(c); }
    private static boolean f32(Tensor a, Tensor b, Tensor c, Tensor d) { return f32(a, b) && f32(c, d); }

    // ======================================================================================== matmul

    @Override public synchronized void matmul(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        if (!f32(out, a, b)) { super.matmul(out, a, b, M, K, N, acc); return; }
        gemm.gemm(out.f, out.off, a.f, a.off, false, b.f, b.off, false, M, K, N, acc);
    }

    @Override public synchronized void matmulNT(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        if (!f32(out, a, b)) { super.matmulNT(out, a, b, M, K, N, acc); return; }
        gemm.gemm(out.f, out.off, a.f, a.off, false, b.f, b.off, true, M, K, N, acc);
    }

    @Override public synchronized void matmulTN(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        if (!f32(out, a, b)) { super.matmulTN(out, a, b, M, K, N, acc); return; }
        gemm.gemm(out.f, out.off, a.f, a.off, true, b.f, b.off, false, M, K, N, acc);
    }

    // ================================================================================== elementwise

    private static final int ADD = 0, ACC = 1, MUL = 2, SCALE = 3, SCALE_ADD = 4, SUMSQ = 5,
            GELU = 6, GELU_BACK = 7, RELU = 8, RELU_BACK = 9, ADAMW = 10, RELU2 = 11, RELU2_BACK = 12;

    @Override public synchronized void add(Tensor out, Tensor a, Tensor b, int n) {
        if (!f32(out, a, b)) { super.add(out, a, b, n); return; }
        runEw(ADD, n, out, a, b, null, null, 0);
    }

    @Override public synchronized void accumulate(Tensor dst, Tensor src, int n) {
        if (!f32(dst, src)) { super.accumulate(dst, src, n); return; }
        runEw(ACC, n, dst, src, null, null, null, 0);
    }

    @Override public synchronized void mul(Tensor out, Tensor a, Tensor b, int n) {
        if (!f32(out, a, b)) { super.mul(out, a, b, n); return; }
        runEw(MUL, n, out, a, b, null, null, 0);
    }

    @Override public synchronized void scale(Tensor x, double s, int n) {
        if (!f32(x)) { super.scale(x, s, n); return; }
        runEw(SCALE, n, x, null, null, null, null, s);
    }

    @Override public synchronized void scaleAdd(Tensor dst, Tensor src, double s, int n) {
        if (!f32(dst, src)) { super.scaleAdd(dst, src, s, n); return; }
        runEw(SCALE_ADD, n, dst, src, null, null, null, s);
    }

    @Override public synchronized double sumSquares(Tensor x, int n) {
        if (!f32(x)) return super.sumSquares(x, n);
        int chunks = Parallel.reductionChunks(n, EW_CHUNK, MAX_CHUNKS);
        java.util.Arrays.fill(partialD, 0);
        runEw(SUMSQ, n, null, x, null, null, null, 0, chunks);
        double s = 0;
        for (int c = 0; c < chunks; c++) s += partialD[c];
        return s;
    }

    @Override public synchronized void gelu(Tensor out, Tensor in, int n) {
        if (!f32(out, in)) { super.gelu(out, in, n); return; }
        runEw(GELU, n, out, in, null, null, null, 0);
    }

    @Override public synchronized void geluBackward(Tensor dIn, Tensor dOut, Tensor in, int n) {
        if (!f32(dIn, dOut, in)) { super.geluBackward(dIn, dOut, in, n); return; }
        runEw(GELU_BACK, n, dIn, dOut, in, null, null, 0);
    }

    @Override public synchronized void relu(Tensor out, Tensor in, int n) {
        if (!f32(out, in)) { super.relu(out, in, n); return; }
        runEw(RELU, n, out, in, null, null, null, 0);
    }

    @Override public synchronized void reluBackward(Tensor dIn, Tensor dOut, Tensor in, int n) {
        if (!f32(dIn, dOut, in)) { super.reluBackward(dIn, dOut, in, n); return; }
        runEw(RELU_BACK, n, dIn, dOut, in, null, null, 0);
    }

    @Override public synchronized void relu2(Tensor out, Tensor in, int n) {
        if (!f32(out, in)) { super.relu2(out, in, n); return; }
        runEw(RELU2, n, out, in, null, null, null, 0);
    }

    @Override public synchronized void relu2Backward(Tensor dIn, Tensor dOut, Tensor in, int n) {
        if (!f32(dIn, dOut, in)) { super.relu2Backward(dIn, dOut, in, n); return; }
        runEw(RELU2_BACK, n, dIn, dOut, in, null, null, 0);
    }

    @Override public synchronized void adamw(Tensor w, Tensor g, Tensor m, Tensor v, int n, double lr, double beta1,
                                             double beta2, double eps, double weightDecay, double bc1, double bc2, double gradScale,
                                             boolean zeroGrad) {
        if (!f32(w, g, m, v)) { super.adamw(w, g, m, v, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2, gradScale, zeroGrad); return; }
        Elementwise e = ew;
        e.zeroGrad = zeroGrad;
        e.gradScale = (float) gradScale;
        e.b1 = (float) beta1; e.b2 = (float) beta2;
        e.stepSize = (float) (lr / bc1);
        e.rsqrtBc2 = (float) (1 / Math.sqrt(bc2));
        e.eps = (float) eps;
        e.decay = (float) (1 - lr * weightDecay);
        runEw(ADAMW, n, w, g, null, m, v, 0);
    }

    private void runEw(int op, int n, Tensor o, Tensor a, Tensor b, Tensor m, Tensor v, double s) {
        runEw(op, n, o, a, b, m, v, s, 0);
    }

    /** chunks > 0: a reduction over that many fixed chunks (the body's third argument is the chunk). */
    private void runEw(int op, int n, Tensor o, Tensor a, Tensor b, Tensor m, Tensor v, double s, int chunks) {
        if (n <= 0) return;
        Elementwise e = ew;
        e.op = op;
        e.o = o == null ? null : o.f; e.oo = o == null ? 0 : o.off;
        e.a = a == null ? null : a.f; e.ao = a == null ? 0 : a.off;
        e.b = b == null ? null : b.f; e.bo = b == null ? 0 : b.off;
        e.m = m == null ? null : m.f; e.mo = m == null ? 0 : m.off;
        e.v = v == null ? null : v.f; e.vo = v == null ? 0 : v.off;
        e.s = (float) s;
        try {
            if (chunks > 0) Parallel.forChunks(n, chunks, e);
            else Parallel.parallelFor(n, EW_CHUNK, e);
        } finally {
            e.o = e.a = e.b = e.m = e.v = null;
        }
    }

    /** Every elementwise op over a range; one reusable instance, configured before each call. */
    private final class Elementwise implements Parallel.RangeBody {
        int op;
        float[] o, a, b, m, v;
        int oo, ao, bo, mo, vo;
        float s, b1, b2, stepSize, rsqrtBc2, eps, decay, gradScale;
        boolean zeroGrad;

        @Override public void run(int start, int end, int worker) {
            switch (op) {
                case ADD -> add(start, end);
                case ACC -> accumulate(start, end);
                case MUL -> mul(start, end);
                case SCALE -> scale(start, end);
                case SCALE_ADD -> scaleAdd(start, end);
                case SUMSQ -> partialD[worker] = sumSquares(start, end);     // worker = the chunk here
                case GELU -> gelu(start, end);
                case GELU_BACK -> geluBack(start, end);
                case RELU -> relu(start, end);
                case RELU_BACK -> reluBack(start, end);
                case RELU2 -> relu2(start, end);
                case RELU2_BACK -> relu2Back(start, end);
                case ADAMW -> adamw(start, end);
                default -> throw new IllegalStateException("op " + op);
            }
        }

        private void add(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L)
                FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
            for (; i < i1; i++) o[oo + i] = a[ao + i] + b[bo + i];
        }

        private void accumulate(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L)
                FloatVector.fromArray(S, o, oo + i).add(FloatVector.fromArray(S, a, ao + i)).intoArray(o, oo + i);
            for (; i < i1; i++) o[oo + i] += a[ao + i];
        }

        private void mul(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L)
                FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(o, oo + i);
            for (; i < i1; i++) o[oo + i] = a[ao + i] * b[bo + i];
        }

        private void scale(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L) FloatVector.fromArray(S, o, oo + i).mul(s).intoArray(o, oo + i);
            for (; i < i1; i++) o[oo + i] *= s;
        }

        private void scaleAdd(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L)
                FloatVector.fromArray(S, a, ao + i).fma(FloatVector.broadcast(S, s), FloatVector.fromArray(S, o, oo + i)).intoArray(o, oo + i);
            for (; i < i1; i++) o[oo + i] = Math.fma(a[ao + i], s, o[oo + i]);
        }

        /** Float vector sums over blocks of 4096, added up in double so 10⁸ elements keep their precision. */
        private double sumSquares(int i0, int i1) {
            double total = 0;
            for (int blk = i0; blk < i1; blk += 4096) total += sumSquaresBlock(a, ao, blk, Math.min(i1, blk + 4096));
            return total;
        }

        private static final float GK = (float) Math.sqrt(2.0 / Math.PI), GC = 0.044715f;

        // With u = k·(x + c·x³): ½(1 + tanh u) = σ(2u) = 1 / (1 + e^(−2u)), so gelu(x) = x·σ(2u). The sigmoid
        // form has no 1 + tanh cancellation for negative x, and needs only EXP.

        private void gelu(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ao + i);
                FloatVector m2u = x.mul(x).mul(-2 * GC * GK).sub(2 * GK).mul(x);     // −2u
                x.div(VecMath.exp(m2u).add(1f)).intoArray(o, oo + i);
            }
            for (; i < i1; i++) {   // the same operations as a lane above
                float x = a[ao + i];
                o[oo + i] = x / (VecMath.exp((x * x * (-2 * GC * GK) - 2 * GK) * x) + 1f);
            }
        }

        /** dIn += gelu'(x)·dOut with gelu' = σ + 2x·σ(1 − σ)·k(1 + 3c·x²), σ = σ(2u). a = dOut, b = in. */
        private void geluBack(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L) {
                FloatVector x = FloatVector.fromArray(S, b, bo + i);
                FloatVector x2 = x.mul(x);
                FloatVector sg = FloatVector.broadcast(S, 1f).div(VecMath.exp(x2.mul(-2 * GC * GK).sub(2 * GK).mul(x)).add(1f));
                FloatVector dudx2 = x2.mul(6 * GC * GK).add(2 * GK);                   // 2·du/dx
                FloatVector grad = sg.neg().add(1f).mul(sg).mul(x).mul(dudx2).add(sg);
                grad.fma(FloatVector.fromArray(S, a, ao + i), FloatVector.fromArray(S, o, oo + i)).intoArray(o, oo + i);
            }
            for (; i < i1; i++) {   // the same operations as a lane above
                float x = b[bo + i], x2 = x * x;
                float sg = 1f / (VecMath.exp((x2 * (-2 * GC * GK) - 2 * GK) * x) + 1f);
                float grad = (-sg + 1f) * sg * x * (x2 * (6 * GC * GK) + 2 * GK) + sg;
                o[oo + i] = Math.fma(grad, a[ao + i], o[oo + i]);
            }
        }

        private void relu(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L) FloatVector.fromArray(S, a, ao + i).max(0f).intoArray(o, oo + i);
            for (; i < i1; i++) o[oo + i] = Math.max(0f, a[ao + i]);
        }

        /** a = dOut, b = in. */
        private void reluBack(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L) {
                VectorMask<Float> on = FloatVector.fromArray(S, b, bo + i).compare(VectorOperators.GT, 0f);
                FloatVector d = FloatVector.fromArray(S, o, oo + i);
                d.add(FloatVector.fromArray(S, a, ao + i), on).intoArray(o, oo + i);
            }
            for (; i < i1; i++) if (b[bo + i] > 0) o[oo + i] += a[ao + i];
        }

        private void relu2(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L) { FloatVector x = FloatVector.fromArray(S, a, ao + i).max(0f); x.mul(x).intoArray(o, oo + i); }
            for (; i < i1; i++) { float x = Math.max(0f, a[ao + i]); o[oo + i] = x * x; }
        }

        /** a = dOut, b = in: o += 2·max(0, in)·dOut. */
        private void relu2Back(int i0, int i1) {
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L) {
                FloatVector x2 = FloatVector.fromArray(S, b, bo + i).max(0f).mul(2f);
                x2.mul(FloatVector.fromArray(S, a, ao + i)).add(FloatVector.fromArray(S, o, oo + i)).intoArray(o, oo + i);
            }
            for (; i < i1; i++) { float x2 = Math.max(0f, b[bo + i]) * 2f; o[oo + i] = x2 * a[ao + i] + o[oo + i]; }
        }

        /** o = w, a = g, m, v: one pass (PyTorch's order: decay, moments, update); g left zero if zeroGrad. */
        private void adamw(int i0, int i1) {
            float c1 = 1 - b1, c2 = 1 - b2, gs = gradScale;
            boolean zero = zeroGrad;
            FloatVector zeros = FloatVector.zero(S);
            int i = i0, iv = i0 + (i1 - i0) / L * L;
            for (; i < iv; i += L) {
                FloatVector g = FloatVector.fromArray(S, a, ao + i).mul(gs);
                if (zero) zeros.intoArray(a, ao + i);
                FloatVector mi = FloatVector.fromArray(S, m, mo + i).mul(b1).add(g.mul(c1));
                FloatVector vi = FloatVector.fromArray(S, v, vo + i).mul(b2).add(g.mul(g).mul(c2));
                mi.intoArray(m, mo + i);
                vi.intoArray(v, vo + i);
                FloatVector denom = vi.sqrt().mul(rsqrtBc2).add(eps);
                FloatVector w = FloatVector.fromArray(S, o, oo + i).mul(decay);
                w.sub(mi.mul(stepSize).div(denom)).intoArray(o, oo + i);
            }
            for (; i < i1; i++) {
                float g = gs * a[ao + i];
                if (zero) a[ao + i] = 0f;
                float mi = m[mo + i] * b1 + g * c1;
                float vi = v[vo + i] * b2 + g * g * c2;
                m[mo + i] = mi;
                v[vo + i] = vi;
                o[oo + i] = o[oo + i] * decay - mi * stepSize / ((float) Math.sqrt(vi) * rsqrtBc2 + eps);
            }
        }
    }

    // ========================================================================================= rows

    private static final int BIAS = 0, BIAS_BACK = 1, LN = 2, LN_BACK = 3, SOFTMAX = 4, XENT = 5, ROPE = 6;

    @Override public synchronized void addBias(Tensor out, Tensor bias, int N, int C) {
        if (!f32(out, bias)) { super.addBias(out, bias, N, C); return; }
        Rows r = rows;
        r.set(BIAS, N, C).out(out).x(bias);
        r.run(N, Math.max(1, EW_CHUNK / C));
    }

    @Override public synchronized void biasBackward(Tensor dBias, Tensor dOut, int N, int C) {
        if (!f32(dBias, dOut)) { super.biasBackward(dBias, dOut, N, C); return; }
        // chunks of rows in parallel, streaming dOut once; each chunk sums into its own C-vector, and
        // those are added in chunk order: the same bits whatever the threads
        int chunks = ensurePartial(N, Math.max(1, EW_CHUNK / C), C);
        for (int w = 0; w < chunks; w++) java.util.Arrays.fill(partial[w], 0, C, 0f);
        Rows r = rows;
        r.set(BIAS_BACK, N, C).x(dOut);
        r.runChunks(N, chunks);
        float[] o = dBias.f;
        for (int w = 0; w < chunks; w++) {
            float[] p = partial[w];
            for (int c = 0; c < C; c++) o[dBias.off + c] += p[c];
        }
    }

    /** Per-chunk scratch of at least 2·C floats for a reduction over N rows; returns the chunk count. */
    private int ensurePartial(int N, int minRows, int C) {
        int chunks = Parallel.reductionChunks(N, minRows, MAX_CHUNKS);
        if (partial.length < chunks || partial[0].length < 2 * C)
            partial = new float[Math.max(chunks, partial.length)][Math.max(2 * C, partial.length > 0 ? partial[0].length : 0)];
        return chunks;
    }

    @Override public synchronized void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor in, Tensor gain, Tensor bias,
                                                 int N, int C, double eps) {
        if (!f32(out, mean, rstd, in) || !f32(gain, bias)) { super.layerNorm(out, mean, rstd, in, gain, bias, N, C, eps); return; }
        Rows r = rows;
        r.set(LN, N, C).out(out).x(in).gain(gain).bias(bias).stats(mean, rstd);
        r.eps = eps;
        r.run(N, Math.max(1, EW_CHUNK / (4 * C)));
    }

    @Override public synchronized void layerNormBackward(Tensor dIn, Tensor dGain, Tensor dBias, Tensor dOut, Tensor in, Tensor gain,
                                                         Tensor mean, Tensor rstd, int N, int C) {
        if (!f32(dIn, dGain, dBias, dOut) || !f32(in, gain, mean, rstd)) {
            super.layerNormBackward(dIn, dGain, dBias, dOut, in, gain, mean, rstd, N, C);
            return;
        }
        int chunks = ensurePartial(N, Math.max(1, EW_CHUNK / (4 * C)), C);
        boolean params = dGain != null || dBias != null;
        if (params) for (int w = 0; w < chunks; w++) java.util.Arrays.fill(partial[w], 0, 2 * C, 0f);
        Rows r = rows;
        r.set(LN_BACK, N, C).out(dIn).x(in).y(dOut).gain(gain).stats(mean, rstd);
        r.params = params;
        r.runChunks(N, chunks);
        if (params) {
            for (int w = 0; w < chunks; w++) {
                float[] p = partial[w];
                if (dGain != null) for (int c = 0; c < C; c++) dGain.f[dGain.off + c] += p[c];
                if (dBias != null) for (int c = 0; c < C; c++) dBias.f[dBias.off + c] += p[C + c];
            }
        }
    }

    /** RMSNorm: the LayerNorm rows with the mean fixed at 0. */
    @Override public synchronized void rmsNorm(Tensor out, Tensor rstd, Tensor in, Tensor gain, int N, int C, double eps) {
        if (!f32(out, rstd, in) || !f32(gain)) { super.rmsNorm(out, rstd, in, gain, N, C, eps); return; }
        Rows r = rows;
        r.set(LN, N, C).out(out).x(in).gain(gain).bias(null).stats(null, rstd);
        r.rms = true;
        r.eps = eps;
        r.run(N, Math.max(1, EW_CHUNK / (4 * C)));
    }

    @Override public synchronized void rmsNormBackward(Tensor dIn, Tensor dGain, Tensor dOut, Tensor in, Tensor gain, Tensor rstd, int N, int C) {
        if (!f32(dIn, dGain, dOut) || !f32(in, gain, rstd)) { super.rmsNormBackward(dIn, dGain, dOut, in, gain, rstd, N, C); return; }
        int chunks = ensurePartial(N, Math.max(1, EW_CHUNK / (4 * C)), C);
        boolean params = dGain != null;
        if (params) for (int w = 0; w < chunks; w++) java.util.Arrays.fill(partial[w], 0, 2 * C, 0f);
        Rows r = rows;
        r.set(LN_BACK, N, C).out(dIn).x(in).y(dOut).gain(gain).stats(null, rstd);
        r.rms = true;
        r.params = params;
        r.runChunks(N, chunks);
        if (params) for (int w = 0; w < chunks; w++) for (int c = 0; c < C; c++) dGain.f[dGain.off + c] += partial[w][c];
    }

    @Override public synchronized void softmax(Tensor probs, Tensor logits, int N, int V) {
        if (!f32(probs, logits)) { super.softmax(probs, logits, N, V); return; }
        Rows r = rows;
        r.set(SOFTMAX, N, V).out(probs).x(logits);
        r.run(N, Math.max(1, EW_CHUNK / (4 * V)));
    }

    @Override public synchronized double crossEntropy(Tensor dLogits, Tensor losses, Tensor logits, int[] targets, int N, int V) {
        if (!f32(dLogits, losses, logits)) return super.crossEntropy(dLogits, losses, logits, targets, N, V);
        int count = 0;
        for (int i = 0; i < N; i++) if (targets[i] >= 0) count++;
        Rows r = rows;
        r.set(XENT, N, V).out(dLogits).x(logits).y(losses);
        r.targets = targets;
        r.invCount = count == 0 ? 0f : 1f / count;
        try {
            r.run(N, Math.max(1, EW_CHUNK / (4 * V)));
        } finally {
            r.targets = null;
        }
        double total = 0;
        for (int i = 0; i < N; i++) if (targets[i] >= 0) total += losses.f[losses.off + i];
        return count == 0 ? Double.NaN : total / count;
    }

    @Override public synchronized void rope(Tensor x, int B, int T, int C, int H, int pos0, double theta, boolean inverse) {
        if (!f32(x)) { super.rope(x, B, T, C, H, pos0, theta, inverse); return; }
        int hs = C / H;
        ensureRopeTable(hs, theta, pos0 + T);
        Rows r = rows;
        r.set(ROPE, B * T, C).out(x);
        r.T = T; r.H = H; r.pos0 = pos0; r.inverse = inverse;
        r.run(B * T, Math.max(1, EW_CHUNK / C));
    }

    /** cos/sin of pos·θ^(−2i/hs) for pos < positions, computed in double once and kept (grown by doubling). */
    private void ensureRopeTable(int hs, double theta, int positions) {
        if (hs == ropeHs && theta == ropeTheta && positions <= ropePositions) return;
        int half = hs / 2;
        int n = Math.max(positions, (hs == ropeHs && theta == ropeTheta) ? 2 * ropePositions : positions);
        float[] cos = new float[n * half], sin = new float[n * half];
        for (int i = 0; i < half; i++) {
            double freq = Math.pow(theta, -2.0 * i / hs);
            for (int p = 0; p < n; p++) {
                double ang = p * freq;
                cos[p * half + i] = (float) Math.cos(ang);
                sin[p * half + i] = (float) Math.sin(ang);
            }
        }
        ropeCos = cos; ropeSin = sin; ropeHs = hs; ropeTheta = theta; ropePositions = n;
    }

    /** Row-wise ops: one row per index. */
    private final class Rows implements Parallel.RangeBody {
        int op, N, C, T, H, pos0;
        float[] o, x, y, g, bb, mean, rstd;
        int oo, xo, yo, go, bo, meanO, rstdO;
        boolean hasGain, hasBias, params, inverse;
        boolean rms;                   // LN / LN_BACK as RMSNorm: no mean (m = 0), no mean(dx̂) term, no bias
        double eps;
        int[] targets;
        float invCount;

        Rows set(int op, int N, int C) {
            this.op = op; this.N = N; this.C = C;
            hasGain = hasBias = rms = false;
            return this;
        }
        Rows out(Tensor t) { o = t == null ? null : t.f; oo = t == null ? 0 : t.off; return this; }
        Rows x(Tensor t) { x = t.f; xo = t.off; return this; }
        Rows y(Tensor t) { y = t.f; yo = t.off; return this; }
        Rows gain(Tensor t) { hasGain = t != null; g = hasGain ? t.f : null; go = hasGain ? t.off : 0; return this; }
        Rows bias(Tensor t) { hasBias = t != null; bb = hasBias ? t.f : null; bo = hasBias ? t.off : 0; return this; }
        Rows stats(Tensor m, Tensor r) { mean = m == null ? null : m.f; meanO = m == null ? 0 : m.off; rstd = r.f; rstdO = r.off; return this; }

        void run(int n, int minChunk) {
            try {
                Parallel.parallelFor(n, minChunk, this);
            } finally {
                o = x = y = g = bb = mean = rstd = null;
            }
        }

        /** A reduction (BIAS_BACK, LN_BACK): the third argument of run is then the chunk, indexing partial. */
        void runChunks(int n, int chunks) {
            try {
                Parallel.forChunks(n, chunks, this);
            } finally {
                o = x = y = g = bb = mean = rstd = null;
            }
        }

        /** worker: the calling worker, or for BIAS_BACK and LN_BACK ({@link #runChunks}) the chunk. */
        @Override public void run(int start, int end, int worker) {
            switch (op) {
                case BIAS -> { for (int i = start; i < end; i++) addRow(o, oo + i * C, x, xo, C); }
                case BIAS_BACK -> { float[] p = partial[worker]; for (int i = start; i < end; i++) addRow(p, 0, x, xo + i * C, C); }
                case LN -> { for (int i = start; i < end; i++) lnRow(i); }
                case LN_BACK -> { float[] p = partial[worker]; for (int i = start; i < end; i++) lnBackRow(i, p); }
                case SOFTMAX -> { for (int i = start; i < end; i++) softmaxRow(o, oo + i * C, x, xo + i * C, C); }
                case XENT -> { for (int i = start; i < end; i++) xentRow(i); }
                case ROPE -> { for (int i = start; i < end; i++) ropeRow(i); }
                default -> throw new IllegalStateException("op " + op);
            }
        }

        private void lnRow(int i) {
            int r = xo + i * C, cv = C / L * L;
            FloatVector acc = FloatVector.zero(S);
            int c = 0;
            float m = 0;
            if (!rms) {
                for (; c < cv; c += L) acc = FloatVector.fromArray(S, x, r + c).add(acc);
                float sum = Gemm.sum(acc);
                for (; c < C; c++) sum += x[r + c];
                m = sum / C;
            }
            // variance around the mean (second sweep over an L1-resident row): no cancellation
            acc = FloatVector.zero(S);
            for (c = 0; c < cv; c += L) { FloatVector d = FloatVector.fromArray(S, x, r + c).sub(m); acc = d.fma(d, acc); }
            float var = Gemm.sum(acc);
            for (; c < C; c++) { float d = x[r + c] - m; var += d * d; }
            float rs = (float) (1.0 / Math.sqrt((double) var / C + eps));
            int w = oo + i * C;
            for (c = 0; c < cv; c += L) {
                FloatVector xh = FloatVector.fromArray(S, x, r + c).sub(m).mul(rs);
                if (hasGain) xh = xh.mul(FloatVector.fromArray(S, g, go + c));
                if (hasBias) xh = xh.add(FloatVector.fromArray(S, bb, bo + c));
                xh.intoArray(o, w + c);
            }
            for (; c < C; c++) {
                float v = (x[r + c] - m) * rs;
                if (hasGain) v *= g[go + c];
                if (hasBias) v += bb[bo + c];
                o[w + c] = v;
            }
            if (mean != null) mean[meanO + i] = m;
            rstd[rstdO + i] = rs;
        }

        /** x = in, y = dOut, o = dIn, p = this chunk's dGain|dBias sums. */
        private void lnBackRow(int i, float[] p) {
            int r = xo + i * C, d = yo + i * C, w = oo + i * C, cv = C / L * L;
            float m = rms ? 0 : mean[meanO + i], rs = rstd[rstdO + i];
            FloatVector sD = FloatVector.zero(S), sDX = FloatVector.zero(S);
            int c = 0;
            for (; c < cv; c += L) {
                FloatVector xh = FloatVector.fromArray(S, x, r + c).sub(m).mul(rs);
                FloatVector dxh = FloatVector.fromArray(S, y, d + c);
                if (hasGain) dxh = dxh.mul(FloatVector.fromArray(S, g, go + c));
                sD = dxh.add(sD);
                sDX = dxh.fma(xh, sDX);
            }
            float sumD = Gemm.sum(sD), sumDX = Gemm.sum(sDX);
            for (; c < C; c++) {
                float xh = (x[r + c] - m) * rs, dxh = y[d + c] * (hasGain ? g[go + c] : 1f);
                sumD += dxh;
                sumDX += dxh * xh;
            }
            float meanD = rms ? 0 : sumD / C, meanDX = sumDX / C;
            for (c = 0; c < cv; c += L) {
                FloatVector xh = FloatVector.fromArray(S, x, r + c).sub(m).mul(rs);
                FloatVector dy = FloatVector.fromArray(S, y, d + c);
                FloatVector dxh = hasGain ? dy.mul(FloatVector.fromArray(S, g, go + c)) : dy;
                if (params) {
                    dy.fma(xh, FloatVector.fromArray(S, p, c)).intoArray(p, c);
                    dy.add(FloatVector.fromArray(S, p, C + c)).intoArray(p, C + c);
                }
                FloatVector di = dxh.sub(meanD).sub(xh.mul(meanDX)).mul(rs);
                di.add(FloatVector.fromArray(S, o, w + c)).intoArray(o, w + c);
            }
            for (; c < C; c++) {
                float xh = (x[r + c] - m) * rs, dy = y[d + c], dxh = dy * (hasGain ? g[go + c] : 1f);
                if (params) { p[c] += dy * xh; p[C + c] += dy; }
                o[w + c] += rs * (dxh - meanD - xh * meanDX);
            }
        }

        /** x = logits, o = dLogits (may be null), y = losses. */
        private void xentRow(int i) {
            int r = xo + i * C, tgt = targets[i];
            boolean grad = o != null;
            int w = oo + i * C;
            if (tgt < 0) {
                y[yo + i] = 0;
                if (grad) java.util.Arrays.fill(o, w, w + C, 0f);
                return;
            }
            float max = rowMax(x, r, C);
            int cv = C / L * L, c = 0;
            FloatVector acc = FloatVector.zero(S);
            if (grad) {   // keep exp(l − max) in dLogits, then scale it in place
                for (; c < cv; c += L) {
                    FloatVector e = VecMath.exp(FloatVector.fromArray(S, x, r + c).sub(max));
                    e.intoArray(o, w + c);
                    acc = e.add(acc);
                }
            } else {
                for (; c < cv; c += L) acc = VecMath.exp(FloatVector.fromArray(S, x, r + c).sub(max)).add(acc);
            }
            double sum = Gemm.sum(acc);
            for (; c < C; c++) {
                float e = VecMath.exp(x[r + c] - max);
                if (grad) o[w + c] = e;
                sum += e;
            }
            double logZ = max + Math.log(sum);
            y[yo + i] = (float) (logZ - x[r + tgt]);
            if (grad) {
                float sc = (float) (invCount / sum);
                for (c = 0; c < cv; c += L) FloatVector.fromArray(S, o, w + c).mul(sc).intoArray(o, w + c);
                for (; c < C; c++) o[w + c] *= sc;
                o[w + tgt] -= invCount;
            }
        }

        private void ropeRow(int row) {
            int t = row % T, hs = C / H, half = hs / 2;
            int tab = (pos0 + t) * half;
            float[] cs = ropeCos, sn = ropeSin;
            float sgn = inverse ? -1f : 1f;
            for (int h = 0; h < H; h++) {
                int base = oo + row * C + h * hs;
                for (int i = 0; i < half; i++) {
                    float c = cs[tab + i], s = sgn * sn[tab + i];
                    int p = base + 2 * i;
                    float x0 = o[p], x1 = o[p + 1];
                    o[p] = x0 * c - x1 * s;
                    o[p + 1] = x0 * s + x1 * c;
                }
            }
        }

        private void addRow(float[] dst, int d, float[] src, int s, int n) {
            int c = 0, cv = n / L * L;
            for (; c < cv; c += L)
                FloatVector.fromArray(S, dst, d + c).add(FloatVector.fromArray(S, src, s + c)).intoArray(dst, d + c);
            for (; c < n; c++) dst[d + c] += src[s + c];
        }
    }

    /**
     * Σ a[ao+i]² for i in [from, to). A method of its own, called once per block, so it is compiled as a
     * whole early on (an OSR-compiled loop holding a vector accumulator across its back-edge may box it).
     */
    static float sumSquaresBlock(float[] a, int ao, int from, int to) {
        int i = from, iv = from + (to - from) / L * L;
        FloatVector acc = FloatVector.zero(S);
        for (; i < iv; i += L) { FloatVector x = FloatVector.fromArray(S, a, ao + i); acc = x.fma(x, acc); }
        float t = Gemm.sum(acc);
        for (; i < to; i++) t += a[ao + i] * a[ao + i];
        return t;
    }

    /** A row of attention scores: softmax of scale·x[0..t], zeros in (t, len) (the causal mask). */
    static void causalSoftmax(float[] x, int r, int t, int len, float scale) {
        int n = t + 1;
        int cv = n / L * L, c = 0;
        float max = rowMax(x, r, n) * scale;
        FloatVector acc = FloatVector.zero(S);
        for (; c < cv; c += L) {
            FloatVector e = VecMath.exp(FloatVector.fromArray(S, x, r + c).mul(scale).sub(max));
            e.intoArray(x, r + c);
            acc = e.add(acc);
        }
        float sum = Gemm.sum(acc);
        for (; c < n; c++) { float e = VecMath.exp(x[r + c] * scale - max); x[r + c] = e; sum += e; }
        float inv = 1f / sum;
        for (c = 0; c < cv; c += L) FloatVector.fromArray(S, x, r + c).mul(inv).intoArray(x, r + c);
        for (; c < n; c++) x[r + c] *= inv;
        java.util.Arrays.fill(x, r + n, r + len, 0f);
    }

    static float rowMax(float[] x, int r, int n) {
        int cv = n / L * L, c = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (cv > 0) {
            FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; c < cv; c += L) m = FloatVector.fromArray(S, x, r + c).max(m);
            max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY).max(m).reduceLanes(VectorOperators.MAX);
        }
        for (; c < n; c++) max = Math.max(max, x[r + c]);
        return max;
    }

    /** o[w..w+n) = softmax(x[r..r+n)). */
    static void softmaxRow(float[] o, int w, float[] x, int r, int n) {
        float max = rowMax(x, r, n);
        int cv = n / L * L, c = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; c < cv; c += L) {
            FloatVector e = VecMath.exp(FloatVector.fromArray(S, x, r + c).sub(max));
            e.intoArray(o, w + c);
            acc = e.add(acc);
        }
        double sum = Gemm.sum(acc);
        for (; c < n; c++) { float e = VecMath.exp(x[r + c] - max); o[w + c] = e; sum += e; }
        float inv = (float) (1 / sum);
        for (c = 0; c < cv; c += L) FloatVector.fromArray(S, o, w + c).mul(inv).intoArray(o, w + c);
        for (; c < n; c++) o[w + c] *= inv;
    }

    // ==================================================================================== attention

    @Override public synchronized void attention(Tensor out, Tensor att, Tensor q, Tensor k, Tensor v, int B, int T, int C, int H) {
        if (!f32(out, att, q, k) || !f32(v)) { super.attention(out, att, q, k, v, B, T, C, H); return; }
        runAttention(false, out, att, q, k, v, null, null, null, null, B, T, C, H);
    }

    @Override public synchronized void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dAtt, Tensor dOut,
                                                         Tensor q, Tensor k, Tensor v, Tensor att, int B, int T, int C, int H) {
        if (!f32(dq, dk, dv, dAtt) || !f32(dOut, q, k, v) || !f32(att)) {
            super.attentionBackward(dq, dk, dv, dAtt, dOut, q, k, v, att, B, T, C, H);
            return;
        }
        runAttention(true, dOut, att, q, k, v, dq, dk, dv, dAtt, B, T, C, H);
    }

    @Override public synchronized void attentionCached(Tensor out, Tensor att, Tensor q, Tensor kCache, Tensor vCache,
                                                       int Tq, int pos0, int C, int H) {
        if (!f32(out, att, q, kCache) || !f32(vCache)) { super.attentionCached(out, att, q, kCache, vCache, Tq, pos0, C, H); return; }
        gemm.ensureScratch();
        Attention a = this.att;
        a.mode = CACHED;
        a.out = out.f; a.outO = out.off;
        a.att = att.f; a.attO = att.off;
        a.q = q.f; a.qO = q.off; a.k = kCache.f; a.kO = kCache.off; a.v = vCache.f; a.vO = vCache.off;
        a.B = 1; a.T = Tq; a.C = C; a.H = H; a.pos0 = pos0;
        try {
            forEachHead(H, (long) Tq * (pos0 + Tq) * C, a);
        } finally {
            a.out = a.att = a.q = a.k = a.v = null;
        }
    }

    /** Heads in parallel, or inline when the whole call is a few hundred thousand multiply-adds (decoding). */
    private static void forEachHead(int tasks, long macs, Attention a) {
        if (macs < 1 << 18) for (int t = 0; t < tasks; t++) a.run(t, 0);
        else Parallel.forEach(tasks, a);
    }

    private void runAttention(boolean backward, Tensor out, Tensor attn, Tensor q, Tensor k, Tensor v,
                              Tensor dq, Tensor dk, Tensor dv, Tensor dAtt, int B, int T, int C, int H) {
        gemm.ensureScratch();
        ensureAttScratch(T, C / H);
        Attention a = att;
        a.mode = backward ? BACKWARD : FORWARD;
        a.out = out.f; a.outO = out.off;
        a.att = attn.f; a.attO = attn.off;
        a.q = q.f; a.qO = q.off; a.k = k.f; a.kO = k.off; a.v = v.f; a.vO = v.off;
        if (backward) {
            a.dq = dq.f; a.dqO = dq.off; a.dk = dk.f; a.dkO = dk.off; a.dv = dv.f; a.dvO = dv.off;
            a.dAtt = dAtt.f; a.dAttO = dAtt.off;
        }
        a.B = B; a.T = T; a.C = C; a.H = H;
        try {
            forEachHead(B * H, (long) B * T * T * C, a);
        } finally {
            a.out = a.att = a.q = a.k = a.v = a.dq = a.dk = a.dv = a.dAtt = null;
        }
    }

    /**
     * One (batch, head) per task, as small GEMMs on the head's column slice (row stride C) of q, k, v:
     * scores = q·kᵀ, probabilities by a row softmax with the causal mask, y = att·v; backward the four
     * products of its transpose. Query rows go in blocks of ATT_BLOCK, each touching only keys up to its
     * last row, so the masked upper triangle costs at most one block's worth.
     */
    private static final int FORWARD = 0, BACKWARD = 1, CACHED = 2;

    /** Per-worker packed operands of one head: a = a block of query rows, b0..b3 = whole k, v, q, dY. */
    private static final class AttScratch {
        float[] a = new float[0], b0 = new float[0], b1 = new float[0], b2 = new float[0], b3 = new float[0];
    }

    private AttScratch[] attScratch = new AttScratch[0];

    private void ensureAttScratch(int T, int hs) {
        int threads = Parallel.threads();
        if (attScratch.length < threads) {
            AttScratch[] a = java.util.Arrays.copyOf(attScratch, threads);
            for (int w = attScratch.length; w < threads; w++) a[w] = new AttScratch();
            attScratch = a;
        }
        int na = Gemm.roundUp(ATT_BLOCK, Gemm.MR) * Math.max(T, hs);
        int nb = Math.max(Gemm.roundUp(T, Gemm.NR) * hs, T * Gemm.roundUp(hs, Gemm.NR));
        for (int w = 0; w < threads; w++) {
            AttScratch s = attScratch[w];
            if (s.a.length < na) s.a = new float[na];
            if (s.b0.length < nb) { s.b0 = new float[nb]; s.b1 = new float[nb]; s.b2 = new float[nb]; s.b3 = new float[nb]; }
        }
    }

    private final class Attention implements Parallel.Body {
        int mode;
        float[] out, att, q, k, v, dq, dk, dv, dAtt;
        int outO, attO, qO, kO, vO, dqO, dkO, dvO, dAttO, B, T, C, H, pos0;

        @Override public void run(int task, int worker) {
            if (mode == CACHED) { cached(task, gemm.scratch(worker)); return; }
            int b = task / H, h = task % H, hs = C / H;
            int row0 = b * T * C + h * hs;                 // (b, t=0, head h) in every (B,T,C) tensor
            int a0 = task * T * T;                         // (b, h) block of the (B,H,T,T) tensors
            Gemm.Scratch s = gemm.scratch(worker);
            float scale = (float) (1.0 / Math.sqrt(hs));
            if (mode == FORWARD) forward(row0, a0, hs, scale, s, attScratch[worker]);
            else backward(row0, a0, hs, scale, s, attScratch[worker]);
        }

        /** Head h of T new queries at positions pos0.. against S = pos0 + T cached keys: att (H, T, S). */
        private void cached(int h, Gemm.Scratch s) {
            int hs = C / H, S = pos0 + T, col = h * hs;
            int a0 = attO + h * T * S;
            float scale = (float) (1.0 / Math.sqrt(hs));
            if (T == 1) {        // decoding: two mat-vecs straight off the cache rows, nothing to pack
                Gemm.vecMatT(att, a0, q, qO + col, k, kO + col, C, hs, S, false);
                causalSoftmax(att, a0, pos0, S, scale);
                Gemm.vecMat(out, outO + col, att, a0, v, vO + col, C, S, hs, false);
                return;
            }
            Gemm.serial(att, a0, S, q, qO + col, C, false, k, kO + col, C, true, T, hs, S, false, s);
            for (int i = 0; i < T; i++) causalSoftmax(att, a0 + i * S, pos0 + i, S, scale);
            Gemm.serial(out, outO + col, C, att, a0, S, false, v, vO + col, C, false, T, S, hs, false, s);
        }

        private void forward(int row0, int a0, int hs, float scale, Gemm.Scratch s, AttScratch w) {
            float[] pa = w.a, kT = w.b0, vp = w.b1, edge = s.edge;
            Gemm.packBT(kT, 0, k, kO + row0, C, 0, hs, 0, T);      // kᵀ (hs × T) and v (T × hs), packed once
            Gemm.packBN(vp, 0, v, vO + row0, C, 0, T, 0, hs);
            for (int t0 = 0; t0 < T; t0 += ATT_BLOCK) {
                int t1 = Math.min(T, t0 + ATT_BLOCK), m = t1 - t0;
                int ar = attO + a0 + t0 * T;
                // scores[t][s] = q_t · k_s for s < t1
                Gemm.packAN(pa, 0, q, qO + row0 + t0 * C, C, 0, hs, 0, m);
                Gemm.panels(att, ar, T, pa, hs, 0, kT, hs, 0, m, hs, t1, false, edge);
                for (int t = t0; t < t1; t++) causalSoftmax(att, attO + a0 + t * T, t, T, scale);
                // y_t = Σ_s att[t][s] · v_s
                Gemm.packAN(pa, 0, att, ar, T, 0, t1, 0, m);
                Gemm.panels(out, outO + row0 + t0 * C, C, pa, t1, 0, vp, T, 0, m, t1, hs, false, edge);
            }
        }

        private void backward(int row0, int a0, int hs, float scale, Gemm.Scratch s, AttScratch w) {
            float[] pa = w.a, vT = w.b0, kp = w.b1, dyp = w.b2, qp = w.b3, edge = s.edge;
            // out holds dOut (the gradient of y). The four right-hand operands, packed once per head:
            Gemm.packBT(vT, 0, v, vO + row0, C, 0, hs, 0, T);      // vᵀ   for dA = dY·vᵀ
            Gemm.packBN(kp, 0, k, kO + row0, C, 0, T, 0, hs);      // k    for dq += dS·k
            Gemm.packBN(dyp, 0, out, outO + row0, C, 0, T, 0, hs); // dY   for dv += attᵀ·dY
            Gemm.packBN(qp, 0, q, qO + row0, C, 0, T, 0, hs);      // q    for dk += dSᵀ·q
            // Rows of dAtt first: dA, then the softmax backward in place (dS), then dq. dv and dk take
            // columns of att and dS, so they wait until every row is done.
            for (int t0 = 0; t0 < T; t0 += ATT_BLOCK) {
                int t1 = Math.min(T, t0 + ATT_BLOCK), m = t1 - t0;
                int dr = dAttO + a0 + t0 * T;
                Gemm.packAN(pa, 0, out, outO + row0 + t0 * C, C, 0, hs, 0, m);
                Gemm.panels(dAtt, dr, T, pa, hs, 0, vT, hs, 0, m, hs, t1, false, edge);
                for (int t = t0; t < t1; t++) softmaxBack(dAtt, dAttO + a0 + t * T, att, attO + a0 + t * T, t, t1, scale);
                Gemm.packAN(pa, 0, dAtt, dr, T, 0, t1, 0, m);
                Gemm.panels(dq, dqO + row0 + t0 * C, C, pa, t1, 0, kp, T, 0, m, t1, hs, true, edge);
            }
            for (int s0 = 0; s0 < T; s0 += ATT_BLOCK) {
                int s1 = Math.min(T, s0 + ATT_BLOCK), m = s1 - s0, K = T - s0;
                // dv_s += Σ_{t ≥ s0} att[t][s] · dY_t ;  dk_s += Σ_{t ≥ s0} dS[t][s] · q_t
                Gemm.packAT(pa, 0, att, attO + a0, T, s0, K, s0, m);
                Gemm.panels(dv, dvO + row0 + s0 * C, C, pa, K, 0, dyp, T, s0, m, K, hs, true, edge);
                Gemm.packAT(pa, 0, dAtt, dAttO + a0, T, s0, K, s0, m);
                Gemm.panels(dk, dkO + row0 + s0 * C, C, pa, K, 0, qp, T, s0, m, K, hs, true, edge);
            }
        }

        /** dS[s] = att[s]·(dA[s] − Σ_r att[r]·dA[r])·scale for s ≤ t; zero for t < s < t1. */
        private void softmaxBack(float[] d, int dr, float[] a, int ar, int t, int t1, float scale) {
            int n = t + 1, cv = n / L * L, c = 0;
            FloatVector acc = FloatVector.zero(S);
            for (; c < cv; c += L) acc = FloatVector.fromArray(S, a, ar + c).fma(FloatVector.fromArray(S, d, dr + c), acc);
            float dot = Gemm.sum(acc);
            for (; c < n; c++) dot += a[ar + c] * d[dr + c];
            for (c = 0; c < cv; c += L) {
                FloatVector dv = FloatVector.fromArray(S, d, dr + c).sub(dot);
                FloatVector.fromArray(S, a, ar + c).mul(dv).mul(scale).intoArray(d, dr + c);
            }
            for (; c < n; c++) d[dr + c] = a[ar + c] * (d[dr + c] - dot) * scale;
            java.util.Arrays.fill(d, dr + n, dr + t1, 0f);
        }
    }
}
