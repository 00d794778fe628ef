package jgpt.tensor;

import static jgpt.tensor.FastKernels.EW_CHUNK;
import static jgpt.tensor.FastKernels.L;
import static jgpt.tensor.FastKernels.MAX_CHUNKS;
import static jgpt.tensor.FastKernels.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link FastKernels}' row-wise ops: bias add and its backward, LayerNorm and RMSNorm rows and their backward,
 * softmax, cross-entropy, RoPE. A row per iteration with the row in L1; the reductions over rows (bias and
 * norm-parameter gradients) sum per fixed chunk into {@code partial}, added up in chunk order, so the bits do
 * not depend on the threads. A file of its own so FastKernels stays the dispatcher plus the elementwise ops.
 * One reusable task object per FastKernels (whose lock its callers hold), configured then run, so a step
 * allocates nothing; float tensors only (FastKernels sends the rest to NaiveKernels).
 */
final class FastRows implements Parallel.RangeBody {
    private static final int BIAS = 0, BIAS_BACK = 1, LN = 2, LN_BACK = 3, SOFTMAX = 4, XENT = 5, ROPE = 6;

    private float[][] partial = new float[0][];      // (chunks, 2·C) per-chunk dGain|dBias sums
    private float[] ropeCos = new float[0], ropeSin = new float[0];   // (positions, hs/2)
    private int ropeHs = -1, ropePositions;
    private double ropeTheta = Double.NaN;

    // the configured op: one row per index
    private int op, N, C, T, H, pos0;
    private float[] o, x, y, g, bb, mean, rstd;
    private int oo, xo, yo, go, bo, meanO, rstdO;
    private boolean hasGain, hasBias, params, inverse;
    private boolean rms;                   // LN / LN_BACK as RMSNorm: no mean (m = 0), no mean(dx̂) term, no bias
    private double eps;
    private int[] targets;
    private float invCount;

    /** See {@link Kernels#addBias}. */
    void addBias(Tensor out, Tensor bias, int N, int C) {
        set(BIAS, N, C).out(out).x(bias);
        run(N, Math.max(1, EW_CHUNK / C));
    }

    /** See {@link Kernels#biasBackward}. */
    void biasBackward(Tensor dBias, Tensor dOut, int N, int C) {
        // chunks of rows in parallel, streaming dOut once; each chunk sums into its own C-vector, and
        // those are added in chunk order: the same bits whatever the threads
        int chunks = ensurePartial(N, Math.max(1, EW_CHUNK / C), C);
        for (int w = 0; w < chunks; w++) java.util.Arrays.fill(partial[w], 0, C, 0f);
        set(BIAS_BACK, N, C).x(dOut);
        runChunks(N, chunks);
        float[] d = dBias.f;
        for (int w = 0; w < chunks; w++) {
            float[] p = partial[w];
            for (int c = 0; c < C; c++) d[dBias.off + c] += p[c];
        }
    }

    /** Per-chunk scratch of at least 2·C floats for a reduction over N rows; returns the chunk count. */
    private int ensurePartial(int N, int minRows, int C) {
        int chunks = Parallel.reductionChunks(N, minRows, MAX_CHUNKS);
        if (partial.length < chunks || partial[0].length < 2 * C)
            partial = new float[Math.max(chunks, partial.length)][Math.max(2 * C, partial.length > 0 ? partial[0].length : 0)];
        return chunks;
    }

    /** See {@link Kernels#layerNorm}. */
    void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor in, Tensor gain, Tensor bias, int N, int C, double eps) {
        set(LN, N, C).out(out).x(in).gain(gain).bias(bias).stats(mean, rstd);
        this.eps = eps;
        run(N, Math.max(1, EW_CHUNK / (4 * C)));
    }

    /** See {@link Kernels#layerNormBackward}. */
    void layerNormBackward(Tensor dIn, Tensor dGain, Tensor dBias, Tensor dOut, Tensor in, Tensor gain,
                           Tensor mean, Tensor rstd, int N, int C) {
        int chunks = ensurePartial(N, Math.max(1, EW_CHUNK / (4 * C)), C);
        boolean params = dGain != null || dBias != null;
        if (params) for (int w = 0; w < chunks; w++) java.util.Arrays.fill(partial[w], 0, 2 * C, 0f);
        set(LN_BACK, N, C).out(dIn).x(in).y(dOut).gain(gain).stats(mean, rstd);
        this.params = params;
        runChunks(N, chunks);
        if (params) {
            for (int w = 0; w < chunks; w++) {
                float[] p = partial[w];
                if (dGain != null) for (int c = 0; c < C; c++) dGain.f[dGain.off + c] += p[c];
                if (dBias != null) for (int c = 0; c < C; c++) dBias.f[dBias.off + c] += p[C + c];
            }
        }
    }

    /** RMSNorm: the LayerNorm rows with the mean fixed at 0. See {@link Kernels#rmsNorm}. */
    void rmsNorm(Tensor out, Tensor rstd, Tensor in, Tensor gain, int N, int C, double eps) {
        set(LN, N, C).out(out).x(in).gain(gain).bias(null).stats(null, rstd);
        rms = true;
        this.eps = eps;
        run(N, Math.max(1, EW_CHUNK / (4 * C)));
    }

    /** See {@link Kernels#rmsNormBackward}. */
    void rmsNormBackward(Tensor dIn, Tensor dGain, Tensor dOut, Tensor in, Tensor gain, Tensor rstd, int N, int C) {
        int chunks = ensurePartial(N, Math.max(1, EW_CHUNK / (4 * C)), C);
        boolean params = dGain != null;
        if (params) for (int w = 0; w < chunks; w++) java.util.Arrays.fill(partial[w], 0, 2 * C, 0f);
        set(LN_BACK, N, C).out(dIn).x(in).y(dOut).gain(gain).stats(null, rstd);
        rms = true;
        this.params = params;
        runChunks(N, chunks);
        if (params) for (int w = 0; w < chunks; w++) for (int c = 0; c < C; c++) dGain.f[dGain.off + c] += partial[w][c];
    }

    /** See {@link Kernels#softmax}. */
    void softmax(Tensor probs, Tensor logits, int N, int V) {
        set(SOFTMAX, N, V).out(probs).x(logits);
        run(N, Math.max(1, EW_CHUNK / (4 * V)));
    }

    /** See {@link Kernels#crossEntropy}. */
    double crossEntropy(Tensor dLogits, Tensor losses, Tensor logits, int[] targets, int N, int V) {
        int count = 0;
        for (int i = 0; i < N; i++) if (targets[i] >= 0) count++;
        set(XENT, N, V).out(dLogits).x(logits).y(losses);
        this.targets = targets;
        invCount = count == 0 ? 0f : 1f / count;
        try {
            run(N, Math.max(1, EW_CHUNK / (4 * V)));
        } finally {
            this.targets = null;
        }
        double total = 0;
        for (int i = 0; i < N; i++) if (targets[i] >= 0) total += losses.f[losses.off + i];
        return count == 0 ? Double.NaN : total / count;
    }

    /** See {@link Kernels#rope}. */
    void rope(Tensor x, int B, int T, int C, int H, int pos0, double theta, boolean inverse) {
        int hs = C / H;
        ensureRopeTable(hs, theta, pos0 + T);
        set(ROPE, B * T, C).out(x);
        this.T = T; this.H = H; this.pos0 = pos0; this.inverse = inverse;
        run(B * T, Math.max(1, EW_CHUNK / C));
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

    private FastRows set(int op, int N, int C) {
        this.op = op; this.N = N; this.C = C;
        hasGain = hasBias = rms = false;
        return this;
    }
    private FastRows out(Tensor t) { o = t == null ? null : t.f; oo = t == null ? 0 : t.off; return this; }
    private FastRows x(Tensor t) { x = t.f; xo = t.off; return this; }
    private FastRows y(Tensor t) { y = t.f; yo = t.off; return this; }
    private FastRows gain(Tensor t) { hasGain = t != null; g = hasGain ? t.f : null; go = hasGain ? t.off : 0; return this; }
    private FastRows bias(Tensor t) { hasBias = t != null; bb = hasBias ? t.f : null; bo = hasBias ? t.off : 0; return this; }
    private FastRows stats(Tensor m, Tensor r) { mean = m == null ? null : m.f; meanO = m == null ? 0 : m.off; rstd = r.f; rstdO = r.off; return this; }

    private void run(int n, int minChunk) {
        try {
            Parallel.parallelFor(n, minChunk, this);
        } finally {
            o = x = y = g = bb = mean = rstd = null;
        }
    }

    /** A reduction (BIAS_BACK, LN_BACK): the third argument of run is then the chunk, indexing partial. */
    private void runChunks(int n, int chunks) {
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
}
