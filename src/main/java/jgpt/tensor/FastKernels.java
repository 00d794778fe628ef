package jgpt.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast kernels: float only (any F64 tensor goes to {@link NaiveKernels}), Vector API with scalar tails,
 * parallel on {@link Parallel}'s pool. Matrix products are {@link Gemm}; attention is {@link FastAttention}
 * (one (batch, head) per task as small GEMMs on the head's slices); row ops (bias, LayerNorm/RMSNorm,
 * softmax, cross-entropy, RoPE) are {@link FastRows}, a row per iteration with the row in L1; the
 * elementwise ops (and AdamW) are here. This class keeps the dispatch: float tensors to those, the rest to
 * NaiveKernels. Each parallel op is a reusable task object, so a training step allocates nothing. Every op
 * is tested against NaiveKernels (FastKernelsTest).
 *
 * <p>Methods are synchronized: the task objects and scratch belong to this instance.
 */
public class FastKernels extends NaiveKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Elementwise ops below this many elements run inline: waking the pool costs ~µs. */
    static final int EW_CHUNK = 1 << 15;

    private final Gemm gemm = new Gemm();
    private final Elementwise ew = new Elementwise();
    private final FastRows rows = new FastRows();
    private final FastAttention attn = new FastAttention(gemm);
    /** Most chunks a reduction is cut into: each sums into its own partial, added up in chunk order. */
    static final int MAX_CHUNKS = 64;
    private final double[] partialD = new double[MAX_CHUNKS];   // per-chunk sums of squares

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

        /** o = w, a = g, m, v: the loop of jgpt.train.AdamW's formula in one pass; g left zero if zeroGrad. */
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

    // ========================================================================================= rows

    @Override public synchronized void addBias(Tensor out, Tensor bias, int N, int C) {
        if (!f32(out, bias)) { super.addBias(out, bias, N, C); return; }
        rows.addBias(out, bias, N, C);
    }

    @Override public synchronized void biasBackward(Tensor dBias, Tensor dOut, int N, int C) {
        if (!f32(dBias, dOut)) { super.biasBackward(dBias, dOut, N, C); return; }
        rows.biasBackward(dBias, dOut, N, C);
    }

    @Override public synchronized void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor in, Tensor gain, Tensor bias,
                                                 int N, int C, double eps) {
        if (!f32(out, mean, rstd, in) || !f32(gain, bias)) { super.layerNorm(out, mean, rstd, in, gain, bias, N, C, eps); return; }
        rows.layerNorm(out, mean, rstd, in, gain, bias, N, C, eps);
    }

    @Override public synchronized void layerNormBackward(Tensor dIn, Tensor dGain, Tensor dBias, Tensor dOut, Tensor in, Tensor gain,
                                                         Tensor mean, Tensor rstd, int N, int C) {
        if (!f32(dIn, dGain, dBias, dOut) || !f32(in, gain, mean, rstd)) {
            super.layerNormBackward(dIn, dGain, dBias, dOut, in, gain, mean, rstd, N, C);
            return;
        }
        rows.layerNormBackward(dIn, dGain, dBias, dOut, in, gain, mean, rstd, N, C);
    }

    @Override public synchronized void rmsNorm(Tensor out, Tensor rstd, Tensor in, Tensor gain, int N, int C, double eps) {
        if (!f32(out, rstd, in) || !f32(gain)) { super.rmsNorm(out, rstd, in, gain, N, C, eps); return; }
        rows.rmsNorm(out, rstd, in, gain, N, C, eps);
    }

    @Override public synchronized void rmsNormBackward(Tensor dIn, Tensor dGain, Tensor dOut, Tensor in, Tensor gain, Tensor rstd, int N, int C) {
        if (!f32(dIn, dGain, dOut) || !f32(in, gain, rstd)) { super.rmsNormBackward(dIn, dGain, dOut, in, gain, rstd, N, C); return; }
        rows.rmsNormBackward(dIn, dGain, dOut, in, gain, rstd, N, C);
    }

    @Override public synchronized void softmax(Tensor probs, Tensor logits, int N, int V) {
        if (!f32(probs, logits)) { super.softmax(probs, logits, N, V); return; }
        rows.softmax(probs, logits, N, V);
    }

    @Override public synchronized double crossEntropy(Tensor dLogits, Tensor losses, Tensor logits, int[] targets, int N, int V) {
        if (!f32(dLogits, losses, logits)) return super.crossEntropy(dLogits, losses, logits, targets, N, V);
        return rows.crossEntropy(dLogits, losses, logits, targets, N, V);
    }

    @Override public synchronized void rope(Tensor x, int B, int T, int C, int H, int pos0, double theta, boolean inverse) {
        if (!f32(x)) { super.rope(x, B, T, C, H, pos0, theta, inverse); return; }
        rows.rope(x, B, T, C, H, pos0, theta, inverse);
    }

    // ==================================================================================== attention

    @Override public synchronized void attention(Tensor out, Tensor att, Tensor q, Tensor k, Tensor v, int B, int T, int C, int H) {
        if (!f32(out, att, q, k) || !f32(v)) { super.attention(out, att, q, k, v, B, T, C, H); return; }
        attn.attention(out, att, q, k, v, B, T, C, H);
    }

    @Override public synchronized void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dAtt, Tensor dOut,
                                                         Tensor q, Tensor k, Tensor v, Tensor att, int B, int T, int C, int H) {
        if (!f32(dq, dk, dv, dAtt) || !f32(dOut, q, k, v) || !f32(att)) {
            super.attentionBackward(dq, dk, dv, dAtt, dOut, q, k, v, att, B, T, C, H);
            return;
        }
        attn.attentionBackward(dq, dk, dv, dAtt, dOut, q, k, v, att, B, T, C, H);
    }

    @Override public synchronized void attentionCached(Tensor out, Tensor att, Tensor q, Tensor kCache, Tensor vCache,
                                                       int Tq, int pos0, int C, int H) {
        if (!f32(out, att, q, kCache) || !f32(vCache)) { super.attentionCached(out, att, q, kCache, vCache, Tq, pos0, C, H); return; }
        attn.attentionCached(out, att, q, kCache, vCache, Tq, pos0, C, H);
    }
}
