package jgpt.tensor;

import static jgpt.tensor.FastKernels.L;
import static jgpt.tensor.FastKernels.S;

import jdk.incubator.vector.FloatVector;

/**
 * {@link FastKernels}' attention: forward, backward, and the KV-cache forward of generation. One (batch, head)
 * per task, as small GEMMs on the head's column slice (row stride C) of q, k, v: scores = q·kᵀ, probabilities
 * by a row softmax with the causal mask, y = att·v; backward the four products of its transpose. Query rows
 * go in blocks of ATT_BLOCK, each touching only keys up to its last row, so the masked upper triangle costs
 * at most one block's worth. One reusable task object per FastKernels (whose lock its callers hold), so a
 * step allocates nothing; float tensors only (FastKernels sends the rest to NaiveKernels).
 */
final class FastAttention implements Parallel.Body {
    /** Query rows per attention block: keys past the block's last row are never touched (causal). */
    static final int ATT_BLOCK = Integer.getInteger("jgpt.attBlock", 32);
    private static final int FORWARD = 0, BACKWARD = 1, CACHED = 2;

    private final Gemm gemm;
    private int mode;

    private float[] out, att, q, k, v, dq, dk, dv, dAtt;
    private int outO, attO, qO, kO, vO, dqO, dkO, dvO, dAttO, B, T, C, H, pos0;

    FastAttention(Gemm gemm) { this.gemm = gemm; }

    /** See {@link Kernels#attention}. */
    void attention(Tensor out, Tensor att, Tensor q, Tensor k, Tensor v, int B, int T, int C, int H) {
        run(false, out, att, q, k, v, null, null, null, null, B, T, C, H);
    }

    /** See {@link Kernels#attentionBackward}. */
    void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dAtt, Tensor dOut,
                           Tensor q, Tensor k, Tensor v, Tensor att, int B, int T, int C, int H) {
        run(true, dOut, att, q, k, v, dq, dk, dv, dAtt, B, T, C, H);
    }

    /** See {@link Kernels#attentionCached}. */
    void attentionCached(Tensor out, Tensor att, Tensor q, Tensor kCache, Tensor vCache, int Tq, int pos0, int C, int H) {
        gemm.ensureScratch();
        mode = CACHED;
        this.out = out.f; outO = out.off;
        this.att = att.f; attO = att.off;
        this.q = q.f; qO = q.off; k = kCache.f; kO = kCache.off; v = vCache.f; vO = vCache.off;
        B = 1; T = Tq; this.C = C; this.H = H; this.pos0 = pos0;
        try {
            forEachHead(H, (long) Tq * (pos0 + Tq) * C);
        } finally {
            this.out = this.att = this.q = k = v = null;
        }
    }

    /** Heads in parallel, or inline when the whole call is a few hundred thousand multiply-adds (decoding). */
    private void forEachHead(int tasks, long macs) {
        if (macs < 1 << 18) for (int t = 0; t < tasks; t++) run(t, 0);
        else Parallel.forEach(tasks, this);
    }

    private void run(boolean backward, Tensor out, Tensor attn, Tensor q, Tensor k, Tensor v,
                     Tensor dq, Tensor dk, Tensor dv, Tensor dAtt, int B, int T, int C, int H) {
        gemm.ensureScratch();
        ensureAttScratch(T, C / H);
        this.mode = backward ? BACKWARD : FORWARD;
        this.out = out.f; this.outO = out.off;
        this.att = attn.f; this.attO = attn.off;
        this.q = q.f; this.qO = q.off; this.k = k.f; this.kO = k.off; this.v = v.f; this.vO = v.off;
        if (backward) {
            this.dq = dq.f; this.dqO = dq.off; this.dk = dk.f; this.dkO = dk.off; this.dv = dv.f; this.dvO = dv.off;
            this.dAtt = dAtt.f; this.dAttO = dAtt.off;
        }
        this.B = B; this.T = T; this.C = C; this.H = H;
        try {
            forEachHead(B * H, (long) B * T * T * C);
        } finally {
            this.out = this.att = this.q = this.k = this.v = this.dq = this.dk = this.dv = this.dAtt = null;
        }
    }

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

    /** A row of attention scores: softmax of scale·x[0..t], zeros in (t, len) (the causal mask). */
    static void causalSoftmax(float[] x, int r, int t, int len, float scale) {
        int n = t + 1;
        int cv = n / L * L, c = 0;
        float max = FastRows.rowMax(x, r, n) * scale;
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
}
