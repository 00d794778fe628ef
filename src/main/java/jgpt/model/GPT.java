package jgpt.model;

import java.util.Random;
import jgpt.tensor.DType;
import jgpt.tensor.Kernels;
import jgpt.tensor.Tensor;

/**
 * The decoder-only transformer: parameters in one flat buffer, forward and backward by hand.
 * <pre>
 *   x = wEmbed[tokens] + P                       (P: learned wPos, fixed sinusoid, or none with RoPE)
 *   per block, pre-LN (GPT-2):  x = x + attn(LN1(x));  x = x + ffn(LN2(x))
 *              post-LN (text):  x = LN1(x + attn(x));  x = LN2(x + ffn(x))
 *   attn(x) = softmax(q·kᵀ/√hs)·v · wo,  q = x·wq, k = x·wk, v = x·wv  (per head; QK-norm, RoPE on q and k)
 *   ffn(x)  = act(x·w1 + b1)·w2 + b2     (act: GELU, ReLU or ReLU²)
 *   logits = LNf(x) · wVocabᵀ   (no LNf for post-LN; wVocab = wEmbed when tied; optionally c·tanh(·/c))
 *   loss = mean over positions of −log softmax(logits)[target]
 * </pre>
 * "LN" is LayerNorm or RMSNorm. Each sub-layer has its forward and, further down, its backward in the same order
 * reversed. A training step is split in two so it can be distributed: {@link #forward} + {@link #backward}
 * compute gradients into the flat {@link #grads} buffer; an optimizer applies the update. {@link Generator}
 * runs the same {@link #blockForward} with a key/value cache.
 */
public final class GPT {
    public final Config cfg;
    public final ParamLayout layout;
    public final DType dtype;
    public final Kernels k;
    public final Tensor params;        // (P) every parameter, laid out by `layout`
    public final Weights w;            // named views of params
    private Tensor grads;              // (P) allocated on first use: inference never pays for it
    private Weights g;
    private final Tensor sinusoid;     // (block, C) fixed positions for the textbook variant
    private Activations a;             // buffers for the current (B, T)
    private double dropout;
    private long dropoutSeed;
    private long dropoutRow;           // first row of this batch in the whole batch (a data-parallel shard)
    private double gradScale = 1;      // ∇logits multiplier: a shard's share of the whole batch's positions

    public GPT(Config cfg, DType dtype, Kernels k) {
        this.cfg = cfg;
        this.layout = new ParamLayout(cfg);
        this.dtype = dtype;
        this.k = k;
        this.params = Tensor.zeros(dtype, "params", Math.toIntExact(layout.total));
        this.w = new Weights(layout, params);
        this.sinusoid = cfg.positions() == Config.Positions.SINUSOIDAL ? sinusoidTable(dtype, cfg.block(), cfg.embd()) : null;
        for (Weights.Block b : w.layers) { b.ln1g().fill(1); b.ln2g().fill(1); }
        if (w.lnfG != null) w.lnfG.fill(1);
    }

    /** A replica on the same parameters (shared, not copied) with its own gradients, activations and kernels. */
    private GPT(GPT of, Kernels k) {
        this.cfg = of.cfg;
        this.layout = of.layout;
        this.dtype = of.dtype;
        this.k = k;
        this.params = of.params;
        this.w = of.w;
        this.sinusoid = of.sinusoid;
    }

    /**
     * A model that reads this one's parameters (an update to them is seen by both) but keeps its own
     * gradient buffer and activations: a data-parallel worker. {@code k} must not be shared with another
     * thread (kernels objects keep per-call state).
     */
    public GPT replica(Kernels k) { return new GPT(this, k); }

    /** P[pos, 2i] = sin(pos / 10000^(2i/C)), P[pos, 2i+1] = cos(pos / 10000^(2i/C)). */
    static Tensor sinusoidTable(DType dtype, int T, int C) {
        Tensor p = Tensor.zeros(dtype, "sinusoid", T, C);
        for (int t = 0; t < T; t++)
            for (int i = 0; 2 * i < C; i++) {
                double ang = t / Math.pow(10000, 2.0 * i / C);
                p.set(t * C + 2 * i, Math.sin(ang));
                if (2 * i + 1 < C) p.set(t * C + 2 * i + 1, Math.cos(ang));
            }
        return p;
    }

    /** Zero-initialised residual projections (modded-nanogpt): wo = w2 = 0, so every block starts as the identity. */
    public GPT zeroResidualProjections() {
        for (Weights.Block b : w.layers) { b.wo().zero(); b.w2().zero(); }
        return this;
    }

    /** GPT-2 initialisation: weights N(0, 0.02), residual projections wo and w2 N(0, 0.02/√(2L)), biases 0, gains 1. */
    public GPT initGpt2(long seed) {
        Random rng = new Random(seed);
        double resid = 0.02 / Math.sqrt(2.0 * cfg.layers());
        var specs = layout.specs();
        for (int i = 0; i < specs.size(); i++) {
            ParamLayout.Spec s = specs.get(i);
            Tensor t = w.get(i);
            switch (s.kind()) {
                case LN_GAIN -> t.fill(1);
                case LN_BIAS, BQ, BK, BV, BO, B1, B2 -> t.zero();
                default -> {
                    double std = (s.kind() == ParamLayout.Kind.WO || s.kind() == ParamLayout.Kind.W2) ? resid : 0.02;
                    for (int j = 0; j < t.size; j++) t.set(j, rng.nextGaussian() * std);
                }
            }
        }
        return this;
    }

    public Tensor param(String name) { return w.get(specIndex(name)); }
    public Tensor grad(String name) { return gradViews().get(specIndex(name)); }

    private int specIndex(String name) {
        ParamLayout.Spec s = layout.get(name);
        if (s == null) throw new IllegalArgumentException("no parameter named '" + name + "'");
        return layout.specs().indexOf(s);
    }

    /** Gradient buffer, same layout as {@link #params}. */
    public Tensor grads() { ensureGrads(); return grads; }
    public Weights gradViews() { ensureGrads(); return g; }

    private void ensureGrads() {
        if (grads == null) {
            grads = Tensor.zeros(dtype, "grads", Math.toIntExact(layout.total));
            g = new Weights(layout, grads);
        }
    }

    public void zeroGrad() { ensureGrads(); grads.zero(); }

    /** Dropout probability for training forwards (0 = off). seed makes each step's masks reproducible. */
    public void setDropout(double p, long seed) { setDropout(p, seed, 0); }

    /**
     * As {@link #setDropout(double, long)} for a shard of a batch whose first row is {@code firstRow} of
     * the whole batch: the masks are the whole batch's, so a split batch drops the same units.
     */
    public void setDropout(double p, long seed, long firstRow) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
        this.dropout = p;
        this.dropoutSeed = seed;
        this.dropoutRow = firstRow;
    }

    /**
     * Multiplies ∇logits of later forwards by s. A shard of a batch uses its share of the batch's counted
     * positions, so that the shards' gradients add up to the whole batch's mean-loss gradient.
     */
    public void setGradScale(double s) { this.gradScale = s; }

    /** Logits (B, T, V) of the last forward. */
    public Tensor logits() { return a.logits; }
    /** Attention probabilities (B, H, T, T) of layer l in the last forward. */
    public Tensor attention(int l) { return a.layers[l].att; }
    /** ∇logits (B, T, V) of the last backward: (P − onehot) / number of counted positions. */
    public Tensor dLogits() { return a.dLogits; }
    /** Per-position losses (B·T) of the last forward with targets. */
    public Tensor losses() { return a.losses; }

    Activations activations(int B, int T) {
        if (T > cfg.block()) throw new IllegalArgumentException("sequence length " + T + " exceeds the model's context " + cfg.block());
        if (a == null || a.B != B || a.T != T || (dropout > 0 && !a.masks)) a = new Activations(cfg, dtype, B, T, dropout > 0);
        return a;
    }

    // ============================================================================================ forward

    /**
     * Runs the model on tokens (B·T, row-major). With targets (−1 = ignore) returns the mean loss and
     * prepares {@link #backward}; with null targets returns NaN and only the logits are computed.
     */
    public double forward(int[] tokens, int[] targets, int B, int T) {
        return forward(tokens, targets, B, T, true);
    }

    /** The mean loss only (evaluation): no ∇logits, no backward afterwards. */
    public double loss(int[] tokens, int[] targets, int B, int T) {
        return forward(tokens, targets, B, T, false);
    }

    private double forward(int[] tokens, int[] targets, int B, int T, boolean forBackward) {
        Activations a = activations(B, T);
        int N = B * T, V = cfg.vocab();
        boolean drop = dropout > 0 && targets != null && forBackward;
        a.dropoutActive = drop;
        System.arraycopy(tokens, 0, a.tokens, 0, N);
        a.hasTargets = targets != null && forBackward;
        if (targets != null) System.arraycopy(targets, 0, a.targets, 0, N);

        embedForward(a.x0, tokens, 0, N, T, 0);
        if (drop) dropout(a.x0, a.embMask, N * cfg.embd(), 0);
        Tensor x = a.x0;
        for (int l = 0; l < cfg.layers(); l++) x = blockForward(l, a.layers[l], x, B, T, 0, null, drop);
        a.xFinal = headForward(a.logits, a.lnf, a.lnfMean, a.lnfRstd, x, N);
        if (targets == null) return Double.NaN;
        double loss = k.crossEntropy(forBackward ? a.dLogits : null, a.losses, a.logits, targets, N, V);
        if (forBackward && gradScale != 1) k.scale(a.dLogits, gradScale, N * V);
        return loss;
    }

    /** out(n, C) = wEmbed[tokens[off + i]] + P[pos0 + i % T]: the residual stream's start. */
    void embedForward(Tensor out, int[] tokens, int off, int n, int T, int pos0) {
        int C = cfg.embd(), V = cfg.vocab();
        for (int i = 0; i < n; i++) {
            int tok = tokens[off + i], t = pos0 + i % T;
            if (tok < 0 || tok >= V) throw new IllegalArgumentException("token id " + tok + " outside vocabulary of " + V);
            for (int c = 0; c < C; c++) {
                double x = w.wEmbed.get(tok * C + c);      // summed in double, rounded once
                if (w.wPos != null) x += w.wPos.get(t * C + c);
                else if (sinusoid != null) x += sinusoid.get(t * C + c);
                out.set(i * C + c, x);
            }
        }
    }

    /**
     * Block l on x (B·T rows at positions pos0..): returns the buffer holding its output (s.r2 pre-LN, s.ln2
     * post-LN). cache null: causal attention within the rows (training); else the rows' keys and values join the
     * cache and attention reads it (decoding, B = 1). x is read before s is written where they could alias, so the
     * generator can run every layer through one buffer set.
     */
    Tensor blockForward(int l, Activations.Layer s, Tensor x, int B, int T, int pos0, KvCache cache, boolean drop) {
        Weights.Block p = w.layers[l];
        int N = B * T;
        if (cfg.norm() == Config.Norm.PRE) {            // r1 = x + attn(LN1(x)),  r2 = r1 + ffn(LN2(r1))
            normForward(s.ln1, s.ln1Mean, s.ln1Rstd, x, p.ln1g(), p.ln1b(), N);
            attentionResidual(l, p, s, s.ln1, x, B, T, pos0, cache, drop);
            normForward(s.ln2, s.ln2Mean, s.ln2Rstd, s.r1, p.ln2g(), p.ln2b(), N);
            ffnResidual(l, p, s, s.ln2, s.r1, N, drop);
            return s.r2;
        } else {                                        // ln1 = LN1(x + attn(x)),  ln2 = LN2(ln1 + ffn(ln1))
            attentionResidual(l, p, s, x, x, B, T, pos0, cache, drop);
            normForward(s.ln1, s.ln1Mean, s.ln1Rstd, s.r1, p.ln1g(), p.ln1b(), N);
            ffnResidual(l, p, s, s.ln1, s.ln1, N, drop);
            normForward(s.ln2, s.ln2Mean, s.ln2Rstd, s.r2, p.ln2g(), p.ln2b(), N);
            return s.ln2;
        }
    }

    /** s.r1 = residual + dropout(attention(in)). */
    private void attentionResidual(int l, Weights.Block p, Activations.Layer s, Tensor in, Tensor residual,
                                   int B, int T, int pos0, KvCache cache, boolean drop) {
        int n = B * T * cfg.embd();
        attentionForward(l, p, s, in, B, T, pos0, cache);
        if (drop) dropout(s.o, s.oMask, n, 2 * l + 1);
        k.add(s.r1, residual, s.o, n);
    }

    /** s.r2 = residual + dropout(ffn(in)). */
    private void ffnResidual(int l, Weights.Block p, Activations.Layer s, Tensor in, Tensor residual, int N, boolean drop) {
        int n = N * cfg.embd();
        ffnForward(p, s, in, N);
        if (drop) dropout(s.f, s.fMask, n, 2 * l + 2);
        k.add(s.r2, residual, s.f, n);
    }

    /** s.o = attention(in·wq, in·wk, in·wv)·wo + bo, every head at once. */
    private void attentionForward(int l, Weights.Block p, Activations.Layer s, Tensor in, int B, int T, int pos0, KvCache cache) {
        int N = B * T, C = cfg.embd(), H = cfg.heads(), hs = cfg.headSize();
        if (cfg.qkNorm()) {                             // q, k normalised per head: (N, C) viewed as (N·H, hs) rows
            linear(s.qRaw, in, p.wq(), p.bq(), N, C, C);
            linear(s.kRaw, in, p.wk(), p.bk(), N, C, C);
            k.rmsNorm(s.q, s.qRstd, s.qRaw, null, N * H, hs, cfg.lnEps());
            k.rmsNorm(s.k, s.kRstd, s.kRaw, null, N * H, hs, cfg.lnEps());
        } else {
            linear(s.q, in, p.wq(), p.bq(), N, C, C);
            linear(s.k, in, p.wk(), p.bk(), N, C, C);
        }
        linear(s.v, in, p.wv(), p.bv(), N, C, C);
        if (cfg.positions() == Config.Positions.ROPE) {
            k.rope(s.q, B, T, C, H, pos0, cfg.ropeTheta(), false);
            k.rope(s.k, B, T, C, H, pos0, cfg.ropeTheta(), false);
        }
        if (cache == null) k.attention(s.y, s.att, s.q, s.k, s.v, B, T, C, H);
        else {
            cache.put(l, s.k, s.v, pos0, N);
            k.attentionCached(s.y, s.att, s.q, cache.keys(l), cache.values(l), N, pos0, C, H);
        }
        linear(s.o, s.y, p.wo(), p.bo(), N, C, C);
    }

    /** s.f = act(in·w1 + b1)·w2 + b2. */
    private void ffnForward(Weights.Block p, Activations.Layer s, Tensor in, int N) {
        int C = cfg.embd(), F = cfg.ffn();
        linear(s.h, in, p.w1(), p.b1(), N, C, F);
        switch (cfg.activation()) {
            case GELU -> k.gelu(s.act, s.h, N * F);
            case RELU -> k.relu(s.act, s.h, N * F);
            case RELU2 -> k.relu2(s.act, s.h, N * F);
        }
        linear(s.f, s.act, p.w2(), p.b2(), N, F, C);
    }

    /**
     * logits(n, V) = LNf(x)·wVocabᵀ (pre-LN; post-LN feeds x straight in), soft-capped when configured. Returns the
     * tensor that fed the output projection (backward needs it).
     */
    Tensor headForward(Tensor logits, Tensor lnf, Tensor mean, Tensor rstd, Tensor x, int n) {
        if (cfg.norm() == Config.Norm.PRE) { normForward(lnf, mean, rstd, x, w.lnfG, w.lnfB, n); x = lnf; }
        k.matmulNT(logits, x, w.wVocab, n, cfg.embd(), cfg.vocab(), false);   // logits = x · wVocabᵀ
        if (cfg.softcap() > 0) k.softcap(logits, cfg.softcap(), n * cfg.vocab());
        return x;
    }

    /** LayerNorm or RMSNorm (no mean, no bias) of n rows. */
    private void normForward(Tensor out, Tensor mean, Tensor rstd, Tensor in, Tensor gain, Tensor bias, int n) {
        if (cfg.normType() == Config.NormType.RMS) k.rmsNorm(out, rstd, in, gain, n, cfg.embd(), cfg.lnEps());
        else k.layerNorm(out, mean, rstd, in, gain, bias, n, cfg.embd(), cfg.lnEps());
    }

    /** out(N,OC) = in(N,IC) · W(IC,OC) + bias. */
    private void linear(Tensor out, Tensor in, Tensor weight, Tensor bias, int N, int IC, int OC) {
        k.matmul(out, in, weight, N, IC, OC, false);
        if (bias != null) k.addBias(out, bias, N, OC);
    }

    /** Inverted dropout with a counter-based mask: element i of site s at this step is kept iff hash(seed, s, i) ≥ p. */
    private void dropout(Tensor x, Tensor mask, int n, int site) {
        double keep = 1.0 / (1.0 - dropout);
        long base = dropoutSeed * 0x9E3779B97F4A7C15L + site * 0xBF58476D1CE4E5B9L;
        long first = dropoutRow * cfg.embd();     // every dropout site is (N, C)
        for (int i = 0; i < n; i++) {
            long z = base + (first + i) * 0x94D049BB133111EBL;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            double u = (z >>> 11) * 0x1.0p-53;
            mask.set(i, u < dropout ? 0 : keep);
        }
        k.mul(x, x, mask, n);
    }

    // =========================================================================================== backward

    /** Accumulates ∂loss/∂params into {@link #grads} for the last forward (which must have had targets). */
    public void backward() {
        if (a == null || !a.hasTargets) throw new IllegalStateException("backward needs a forward with targets first");
        ensureGrads();
        Activations a = this.a;
        int N = a.B * a.T, C = cfg.embd();
        Tensor dx = headBackward(a);
        for (int l = cfg.layers() - 1; l >= 0; l--) {
            Tensor xIn = l == 0 ? a.x0 : blockOutput(a.layers[l - 1]);
            blockBackward(l, a.layers[l], xIn, dx, a.dNext);
            Tensor t = a.dStream; a.dStream = a.dNext; a.dNext = t;   // this block's input gradient feeds the block before
            dx = a.dStream;
        }
        if (a.dropoutActive) k.mul(dx, dx, a.embMask, N * C);
        embedBackward(dx, a.tokens, N, a.T);
    }

    private Tensor blockOutput(Activations.Layer s) { return cfg.norm() == Config.Norm.PRE ? s.r2 : s.ln2; }

    /** Mirror of {@link #headForward}: from ∇logits to ∂loss/∂(last block's output), in a.dStream. */
    private Tensor headBackward(Activations a) {
        int N = a.B * a.T, C = cfg.embd(), V = cfg.vocab();
        if (cfg.softcap() > 0) k.softcapBackward(a.dLogits, a.logits, cfg.softcap(), N * V);
        Tensor dx = a.dStream;
        k.matmul(dx, a.dLogits, w.wVocab, N, V, C, false);              // dx = dLogits · wVocab
        k.matmulTN(g.wVocab, a.dLogits, a.xFinal, V, N, C, true);       // dwVocab += dLogitsᵀ · x
        if (cfg.norm() == Config.Norm.PRE) {
            Tensor xL = cfg.layers() > 0 ? a.layers[cfg.layers() - 1].r2 : a.x0;
            a.dTmp.zero();
            normBackward(a.dTmp, g.lnfG, g.lnfB, dx, xL, w.lnfG, a.lnfMean, a.lnfRstd, N);
            dx.copyFrom(a.dTmp);
        }
        return dx;
    }

    /** Mirror of {@link #blockForward}: given dOut = ∂/∂(block output), writes ∂/∂x (the block's input) into dIn. */
    private void blockBackward(int l, Activations.Layer s, Tensor x, Tensor dOut, Tensor dIn) {
        Weights.Block p = w.layers[l], gp = g.layers[l];
        Activations a = this.a;
        int N = a.B * a.T, C = cfg.embd();
        boolean drop = a.dropoutActive;
        if (cfg.norm() == Config.Norm.PRE) {
            // r2 = r1 + f:  dR2 = dOut flows to r1 and, through the FFN and LN2, to r1 again
            Tensor dR2 = dOut;
            a.dLn.zero();
            ffnBackward(p, gp, s, drop ? masked(dR2, s.fMask) : dR2, s.ln2, a.dLn, N);
            a.dR1.copyFrom(dR2);
            normBackward(a.dR1, gp.ln2g(), gp.ln2b(), a.dLn, s.r1, p.ln2g(), s.ln2Mean, s.ln2Rstd, N);
            // r1 = x + o:  dR1 flows to x and, through attention and LN1, to x again
            dIn.copyFrom(a.dR1);
            a.dLn.zero();
            attentionBackward(p, gp, s, drop ? masked(a.dR1, s.oMask) : a.dR1, s.ln1, a.dLn, N);
            normBackward(dIn, gp.ln1g(), gp.ln1b(), a.dLn, x, p.ln1g(), s.ln1Mean, s.ln1Rstd, N);
        } else {
            // out = LN2(r2), r2 = ln1 + f
            a.dR2.zero();
            normBackward(a.dR2, gp.ln2g(), gp.ln2b(), dOut, s.r2, p.ln2g(), s.ln2Mean, s.ln2Rstd, N);
            a.dLn.copyFrom(a.dR2);                                      // the residual branch into ln1
            ffnBackward(p, gp, s, drop ? masked(a.dR2, s.fMask) : a.dR2, s.ln1, a.dLn, N);
            // ln1 = LN1(r1), r1 = x + o
            a.dR1.zero();
            normBackward(a.dR1, gp.ln1g(), gp.ln1b(), a.dLn, s.r1, p.ln1g(), s.ln1Mean, s.ln1Rstd, N);
            dIn.copyFrom(a.dR1);
            attentionBackward(p, gp, s, drop ? masked(a.dR1, s.oMask) : a.dR1, x, dIn, N);
        }
    }

    /** d ⊙ mask into scratch: the gradient through a dropout site. */
    private Tensor masked(Tensor d, Tensor mask) {
        k.mul(a.dF, d, mask, a.B * a.T * cfg.embd());
        return a.dF;
    }

    /** Mirror of {@link #attentionForward}, given dO = ∂/∂o; adds ∂/∂in into dIn. */
    private void attentionBackward(Weights.Block p, Weights.Block gp, Activations.Layer s, Tensor dO, Tensor in, Tensor dIn, int N) {
        Activations a = this.a;
        int B = a.B, T = a.T, C = cfg.embd(), H = cfg.heads(), hs = cfg.headSize();
        k.matmulNT(a.dY, dO, p.wo(), N, C, C, false);           // dY = dO · woᵀ
        k.matmulTN(gp.wo(), s.y, dO, C, N, C, true);            // dwo += yᵀ · dO
        if (gp.bo() != null) k.biasBackward(gp.bo(), dO, N, C);
        a.dq.zero(); a.dk.zero(); a.dv.zero();
        k.attentionBackward(a.dq, a.dk, a.dv, a.dAtt, a.dY, s.q, s.k, s.v, s.att, B, T, C, H);
        if (cfg.positions() == Config.Positions.ROPE) {          // a rotation's backward is the inverse rotation
            k.rope(a.dq, B, T, C, H, 0, cfg.ropeTheta(), true);
            k.rope(a.dk, B, T, C, H, 0, cfg.ropeTheta(), true);
        }
        if (cfg.qkNorm()) {                                      // through the per-head RMSNorm, then the projection
            a.dTmp.zero();
            k.rmsNormBackward(a.dTmp, null, a.dq, s.qRaw, null, s.qRstd, N * H, hs);
            linearBackward(dIn, gp.wq(), gp.bq(), a.dTmp, in, p.wq(), N, C, C);
            a.dTmp.zero();
            k.rmsNormBackward(a.dTmp, null, a.dk, s.kRaw, null, s.kRstd, N * H, hs);
            linearBackward(dIn, gp.wk(), gp.bk(), a.dTmp, in, p.wk(), N, C, C);
        } else {
            linearBackward(dIn, gp.wq(), gp.bq(), a.dq, in, p.wq(), N, C, C);
            linearBackward(dIn, gp.wk(), gp.bk(), a.dk, in, p.wk(), N, C, C);
        }
        linearBackward(dIn, gp.wv(), gp.bv(), a.dv, in, p.wv(), N, C, C);
    }

    /** Mirror of {@link #ffnForward}, given dF = ∂/∂f; adds ∂/∂in into dIn. */
    private void ffnBackward(Weights.Block p, Weights.Block gp, Activations.Layer s, Tensor dF, Tensor in, Tensor dIn, int N) {
        Activations a = this.a;
        int C = cfg.embd(), F = cfg.ffn();
        k.matmulNT(a.dAct, dF, p.w2(), N, C, F, false);        // dAct = dF · w2ᵀ
        k.matmulTN(gp.w2(), s.act, dF, F, N, C, true);          // dw2 += actᵀ · dF
        if (gp.b2() != null) k.biasBackward(gp.b2(), dF, N, C);
        a.dH.zero();
        switch (cfg.activation()) {
            case GELU -> k.geluBackward(a.dH, a.dAct, s.h, N * F);
            case RELU -> k.reluBackward(a.dH, a.dAct, s.h, N * F);
            case RELU2 -> k.relu2Backward(a.dH, a.dAct, s.h, N * F);
        }
        linearBackward(dIn, gp.w1(), gp.b1(), a.dH, in, p.w1(), N, C, F);
    }

    /** Mirror of {@link #normForward}: dIn += ∂/∂in, dGain/dBias += their gradients. */
    private void normBackward(Tensor dIn, Tensor dGain, Tensor dBias, Tensor dOut, Tensor in, Tensor gain, Tensor mean, Tensor rstd, int n) {
        if (cfg.normType() == Config.NormType.RMS) k.rmsNormBackward(dIn, dGain, dOut, in, gain, rstd, n, cfg.embd());
        else k.layerNormBackward(dIn, dGain, dBias, dOut, in, gain, mean, rstd, n, cfg.embd());
    }

    /** Mirror of {@link #linear}: dIn += dOut·Wᵀ,  dW += inᵀ·dOut,  db += Σ dOut. */
    private void linearBackward(Tensor dIn, Tensor dW, Tensor dB, Tensor dOut, Tensor in, Tensor weight, int N, int IC, int OC) {
        k.matmulNT(dIn, dOut, weight, N, OC, IC, true);
        k.matmulTN(dW, in, dOut, IC, N, OC, true);
        if (dB != null) k.biasBackward(dB, dOut, N, OC);
    }

    /** Mirror of {@link #embedForward}: scatters dx back to the wEmbed rows (and wPos rows) used. */
    private void embedBackward(Tensor dx, int[] tokens, int N, int T) {
        int C = cfg.embd();
        for (int n = 0; n < N; n++) {
            int tok = tokens[n], t = n % T;
            for (int c = 0; c < C; c++) {
                double d = dx.get(n * C + c);
                g.wEmbed.add(tok * C + c, d);
                if (g.wPos != null) g.wPos.add(t * C + c, d);
            }
        }
    }
}
