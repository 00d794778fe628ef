package jgpt.tensor;

/**
 * Every numeric operation the model needs, forward and backward side by side.
 * Shapes are row-major; {@code N} is the number of positions (batch × time).
 * Backward ops ACCUMULATE (+=) into their gradient outputs, so a tensor that feeds two consumers
 * (a residual stream, a tied embedding) simply receives both contributions; callers zero first.
 * {@link NaiveKernels} is the reference (any precision); fast implementations are tested against it.
 */
public interface Kernels {

    /**
     * A kernels object of the same kind and settings with its own scratch. A kernels object keeps per-call
     * state, so every thread that runs kernels at the same time as others (a data-parallel replica) needs its own.
     */
    Kernels copy();

    // ---- matrix products: the three layouts of training -------------------------------------
    /** out(M,N) (+)= a(M,K) · b(K,N)        — forward X·W, with W stored (in, out). */
    void matmul(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean accumulate);
    /** out(M,N) (+)= a(M,K) · b(N,K)ᵀ       — backward dX = dY·Wᵀ; logits = x·wVocabᵀ. */
    void matmulNT(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean accumulate);
    /** out(M,N) (+)= a(K,M)ᵀ · b(K,N)       — weight gradient dW = Xᵀ·dY. */
    void matmulTN(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean accumulate);

    /** out(N,C) += bias(C) broadcast over rows. */
    void addBias(Tensor out, Tensor bias, int N, int C);
    /** dBias(C) += column sums of dOut(N,C). */
    void biasBackward(Tensor dBias, Tensor dOut, int N, int C);

    // ---- normalisation and activations --------------------------------------------------------
    /** out = (in − mean)·rstd·gain + bias per row; saves mean(N), rstd(N). gain/bias may be null (1 / 0). */
    void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor in, Tensor gain, Tensor bias, int N, int C, double eps);
    /** dIn += ∂/∂in, dGain += Σ dOut·x̂, dBias += Σ dOut (dGain/dBias/gain may be null). */
    void layerNormBackward(Tensor dIn, Tensor dGain, Tensor dBias, Tensor dOut, Tensor in, Tensor gain,
                           Tensor mean, Tensor rstd, int N, int C);

    /** GELU, tanh form (GPT-2). */
    void gelu(Tensor out, Tensor in, int n);
    /** dIn += gelu'(in) · dOut. */
    void geluBackward(Tensor dIn, Tensor dOut, Tensor in, int n);
    void relu(Tensor out, Tensor in, int n);
    /** dIn += (in > 0) · dOut — inactive neurons pass no gradient. */
    void reluBackward(Tensor dIn, Tensor dOut, Tensor in, int n);

    // ---- the modern recipe's norms and activations ----------------------------------------------
    // The reference loops, summing in double in a fixed order (bit-deterministic); NaiveKernels inherits them.
    // FastKernels overrides RMSNorm and ReLU²; the soft-cap's loop (a StrictMath.tanh per logit) serves every set.

    /** RMSNorm: out = in·rstd·gain, rstd = 1/√(mean(in²) + eps) per row; saves rstd(N). gain may be null (1). */
    default void rmsNorm(Tensor out, Tensor rstd, Tensor in, Tensor gain, int N, int C, double eps) {
        for (int i = 0; i < N; i++) {
            int o = i * C;
            double ms = 0;
            for (int c = 0; c < C; c++) { double x = in.get(o + c); ms += x * x; }
            double rs = 1.0 / Math.sqrt(ms / C + eps);
            for (int c = 0; c < C; c++) out.set(o + c, in.get(o + c) * rs * (gain == null ? 1 : gain.get(c)));
            rstd.set(i, rs);
        }
    }

    /** dIn += rstd·(dx̂ − x̂·mean(dx̂·x̂)) with x̂ = in·rstd, dx̂ = dOut·gain; dGain += Σ dOut·x̂ (dGain/gain may be null). */
    default void rmsNormBackward(Tensor dIn, Tensor dGain, Tensor dOut, Tensor in, Tensor gain, Tensor rstd, int N, int C) {
        for (int i = 0; i < N; i++) {
            int o = i * C;
            double rs = rstd.get(i), meanDX = 0;
            for (int c = 0; c < C; c++) meanDX += dOut.get(o + c) * (gain == null ? 1 : gain.get(c)) * in.get(o + c) * rs;
            meanDX /= C;
            for (int c = 0; c < C; c++) {
                double xhat = in.get(o + c) * rs, dy = dOut.get(o + c);
                if (dGain != null) dGain.add(c, dy * xhat);
                dIn.add(o + c, rs * (dy * (gain == null ? 1 : gain.get(c)) - xhat * meanDX));
            }
        }
    }

    /** ReLU²: out = max(0, in)². */
    default void relu2(Tensor out, Tensor in, int n) {
        for (int i = 0; i < n; i++) { double x = Math.max(0, in.get(i)); out.set(i, x * x); }
    }

    /** dIn += 2·max(0, in)·dOut. */
    default void relu2Backward(Tensor dIn, Tensor dOut, Tensor in, int n) {
        for (int i = 0; i < n; i++) { double x = in.get(i); if (x > 0) dIn.add(i, 2 * x * dOut.get(i)); }
    }

    /** Logit soft-cap in place: x = cap·tanh(x / cap). StrictMath: the same bits in every JVM mode. */
    default void softcap(Tensor x, double cap, int n) {
        for (int i = 0; i < n; i++) x.set(i, cap * StrictMath.tanh(x.get(i) / cap));
    }

    /** Given capped = cap·tanh(z/cap), turns dCapped into dz in place: d *= 1 − (capped/cap)². */
    default void softcapBackward(Tensor d, Tensor capped, double cap, int n) {
        for (int i = 0; i < n; i++) { double t = capped.get(i) / cap; d.set(i, d.get(i) * (1 - t * t)); }
    }

    // ---- attention -----------------------------------------------------------------------------
    /**
     * Causal multi-head attention. q, k, v, out: (B,T,C) with head h in columns [h·hs, (h+1)·hs).
     * att: (B,H,T,T) receives softmax(q·kᵀ/√hs) (zero above the diagonal), kept for backward and inspection.
     */
    void attention(Tensor out, Tensor att, Tensor q, Tensor k, Tensor v, int B, int T, int C, int H);
    /** dq, dk, dv += gradients; dAtt (B,H,T,T) is scratch. */
    void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dAtt, Tensor dOut,
                           Tensor q, Tensor k, Tensor v, Tensor att, int B, int T, int C, int H);

    /**
     * Causal attention of Tq new positions against a key/value cache (inference, batch 1). Query row i of
     * q, out: (Tq, C) sits at absolute position pos0+i and attends to rows [0, pos0+i] of kCache, vCache:
     * (≥ pos0+Tq, C), which already hold the new rows. att: (H, Tq, S), S = pos0+Tq, receives the softmax
     * probabilities (zero past each query's position). Same arithmetic as {@link #attention} with B = 1.
     */
    void attentionCached(Tensor out, Tensor att, Tensor q, Tensor kCache, Tensor vCache, int Tq, int pos0, int C, int H);

    /**
     * Rotary position embedding in place on x (B,T,C): within each head, pair (2i, 2i+1) at position
     * pos0+t is rotated by angle (pos0+t)·theta^(−2i/hs). {@code inverse} rotates back (its backward).
     */
    void rope(Tensor x, int B, int T, int C, int H, int pos0, double theta, boolean inverse);

    // ---- output ----------------------------------------------------------------------------------
    /**
     * Fused softmax + cross-entropy + gradient. For each row with target ≥ 0: losses[i] = −log softmax(logits_i)[target];
     * dLogits = (softmax − onehot) / (number of rows with target ≥ 0); rows with target −1 get loss 0 and gradient 0.
     * Returns the mean loss over counted rows. dLogits may be null (evaluation only).
     */
    double crossEntropy(Tensor dLogits, Tensor losses, Tensor logits, int[] targets, int N, int V);

    /** probs(N,V) = softmax of logits rows. */
    void softmax(Tensor probs, Tensor logits, int N, int V);

    // ---- elementwise -----------------------------------------------------------------------------
    /** out = a + b. */
    void add(Tensor out, Tensor a, Tensor b, int n);
    /** dst += src. */
    void accumulate(Tensor dst, Tensor src, int n);
    /** out = a ⊙ b. */
    void mul(Tensor out, Tensor a, Tensor b, int n);
    /** Σ x². */
    double sumSquares(Tensor x, int n);
    /** x *= s. */
    void scale(Tensor x, double s, int n);
    /** dst += s · src. */
    void scaleAdd(Tensor dst, Tensor src, double s, int n);

    // ---- optimizer -------------------------------------------------------------------------------
    /**
     * The elementwise loop of {@link jgpt.train.AdamW}'s update (the formula is written there) on n elements
     * of w, its gradient buffer g, and the moments m, v; gradScale is the clip factor s, bc1 and bc2 the bias
     * corrections. The gradient buffer itself is not rescaled; with zeroGrad it is left zero, so the next
     * step needs no zeroing pass of its own.
     */
    void adamw(Tensor w, Tensor g, Tensor m, Tensor v, int n, double lr, double beta1, double beta2,
               double eps, double weightDecay, double bc1, double bc2, double gradScale, boolean zeroGrad);

    default void adamw(Tensor w, Tensor g, Tensor m, Tensor v, int n, double lr, double beta1, double beta2,
                       double eps, double weightDecay, double bc1, double bc2, double gradScale) {
        adamw(w, g, m, v, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2, gradScale, false);
    }
}
