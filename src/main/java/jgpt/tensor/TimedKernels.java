package jgpt.tensor;

/**
 * Wraps any {@link Kernels} and adds up the wall time of its calls by kind: where a training step's time
 * goes ({@code jgpt bench --profile}). Kernel calls are coarse (a whole matrix product, a whole attention
 * layer), so two nanoTime reads per call cost well under 0.1 %. Not thread-safe: one model at a time.
 */
public final class TimedKernels implements Kernels {
    /** The kinds of work, in the order the profile prints them. */
    public enum Kind { MATMUL("matrix products"), ATTENTION("attention (scores, softmax, weighted sum)"),
        LAYERNORM("LayerNorm / RMSNorm"), ACTIVATION("GELU / ReLU / ReLU²"), OUTPUT("softmax + cross-entropy"), BIAS("bias add / sum"),
        ELEMENTWISE("residual adds, scaling, norms"), OPTIMIZER("optimizer update"), ROPE("RoPE");
        public final String label;
        Kind(String label) { this.label = label; }
    }

    private final Kernels k;
    private final long[] nanos = new long[Kind.values().length];
    private final long[] calls = new long[Kind.values().length];

    public TimedKernels(Kernels k) { this.k = k; }

    public Kernels inner() { return k; }
    /** The wrapped kind, untimed: a profile counts the replica that holds this object only. */
    @Override public Kernels copy() { return k.copy(); }
    public long nanos(Kind kind) { return nanos[kind.ordinal()]; }
    public long calls(Kind kind) { return calls[kind.ordinal()]; }
    public void reset() { java.util.Arrays.fill(nanos, 0); java.util.Arrays.fill(calls, 0); }

    private void add(Kind kind, long t0) { nanos[kind.ordinal()] += System.nanoTime() - t0; calls[kind.ordinal()]++; }

    @Override public void matmul(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        long t = System.nanoTime(); k.matmul(out, a, b, M, K, N, acc); add(Kind.MATMUL, t);
    }
    @Override public void matmulNT(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        long t = System.nanoTime(); k.matmulNT(out, a, b, M, K, N, acc); add(Kind.MATMUL, t);
    }
    @Override public void matmulTN(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        long t = System.nanoTime(); k.matmulTN(out, a, b, M, K, N, acc); add(Kind.MATMUL, t);
    }
    @Override public void addBias(Tensor out, Tensor bias, int N, int C) {
        long t = System.nanoTime(); k.addBias(out, bias, N, C); add(Kind.BIAS, t);
    }
    @Override public void biasBackward(Tensor dBias, Tensor dOut, int N, int C) {
        long t = System.nanoTime(); k.biasBackward(dBias, dOut, N, C); add(Kind.BIAS, t);
    }
    @Override public void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor in, Tensor gain, Tensor bias, int N, int C, double eps) {
        long t = System.nanoTime(); k.layerNorm(out, mean, rstd, in, gain, bias, N, C, eps); add(Kind.LAYERNORM, t);
    }
    @Override public void layerNormBackward(Tensor dIn, Tensor dGain, Tensor dBias, Tensor dOut, Tensor in, Tensor gain,
                                            Tensor mean, Tensor rstd, int N, int C) {
        long t = System.nanoTime(); k.layerNormBackward(dIn, dGain, dBias, dOut, in, gain, mean, rstd, N, C); add(Kind.LAYERNORM, t);
    }
    @Override public void gelu(Tensor out, Tensor in, int n) {
        long t = System.nanoTime(); k.gelu(out, in, n); add(Kind.ACTIVATION, t);
    }
    @Override public void geluBackward(Tensor dIn, Tensor dOut, Tensor in, int n) {
        long t = System.nanoTime(); k.geluBackward(dIn, dOut, in, n); add(Kind.ACTIVATION, t);
    }
    @Override public void relu(Tensor out, Tensor in, int n) {
        long t = System.nanoTime(); k.relu(out, in, n); add(Kind.ACTIVATION, t);
    }
    @Override public void reluBackward(Tensor dIn, Tensor dOut, Tensor in, int n) {
        long t = System.nanoTime(); k.reluBackward(dIn, dOut, in, n); add(Kind.ACTIVATION, t);
    }
    @Override public void rmsNorm(Tensor out, Tensor rstd, Tensor in, Tensor gain, int N, int C, double eps) {
        long t = System.nanoTime(); k.rmsNorm(out, rstd, in, gain, N, C, eps); add(Kind.LAYERNORM, t);
    }
    @Override public void rmsNormBackward(Tensor dIn, Tensor dGain, Tensor dOut, Tensor in, Tensor gain, Tensor rstd, int N, int C) {
        long t = System.nanoTime(); k.rmsNormBackward(dIn, dGain, dOut, in, gain, rstd, N, C); add(Kind.LAYERNORM, t);
    }
    @Override public void relu2(Tensor out, Tensor in, int n) {
        long t = System.nanoTime(); k.relu2(out, in, n); add(Kind.ACTIVATION, t);
    }
    @Override public void relu2Backward(Tensor dIn, Tensor dOut, Tensor in, int n) {
        long t = System.nanoTime(); k.relu2Backward(dIn, dOut, in, n); add(Kind.ACTIVATION, t);
    }
    @Override public void softcap(Tensor x, double cap, int n) {
        long t = System.nanoTime(); k.softcap(x, cap, n); add(Kind.OUTPUT, t);
    }
    @Override public void softcapBackward(Tensor d, Tensor capped, double cap, int n) {
        long t = System.nanoTime(); k.softcapBackward(d, capped, cap, n); add(Kind.OUTPUT, t);
    }
    @Override public void attention(Tensor out, Tensor att, Tensor q, Tensor kk, Tensor v, int B, int T, int C, int H) {
        long t = System.nanoTime(); k.attention(out, att, q, kk, v, B, T, C, H); add(Kind.ATTENTION, t);
    }
    @Override public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dAtt, Tensor dOut,
                                            Tensor q, Tensor kk, Tensor v, Tensor att, int B, int T, int C, int H) {
        long t = System.nanoTime(); k.attentionBackward(dq, dk, dv, dAtt, dOut, q, kk, v, att, B, T, C, H); add(Kind.ATTENTION, t);
    }
    @Override public void attentionCached(Tensor out, Tensor att, Tensor q, Tensor kCache, Tensor vCache, int Tq, int pos0, int C, int H) {
        long t = System.nanoTime(); k.attentionCached(out, att, q, kCache, vCache, Tq, pos0, C, H); add(Kind.ATTENTION, t);
    }
    @Override public void rope(Tensor x, int B, int T, int C, int H, int pos0, double theta, boolean inverse) {
        long t = System.nanoTime(); k.rope(x, B, T, C, H, pos0, theta, inverse); add(Kind.ROPE, t);
    }
    @Override public double crossEntropy(Tensor dLogits, Tensor losses, Tensor logits, int[] targets, int N, int V) {
        long t = System.nanoTime(); double r = k.crossEntropy(dLogits, losses, logits, targets, N, V); add(Kind.OUTPUT, t); return r;
    }
    @Override public void softmax(Tensor probs, Tensor logits, int N, int V) {
        long t = System.nanoTime(); k.softmax(probs, logits, N, V); add(Kind.OUTPUT, t);
    }
    @Override public void add(Tensor out, Tensor a, Tensor b, int n) {
        long t = System.nanoTime(); k.add(out, a, b, n); add(Kind.ELEMENTWISE, t);
    }
    @Override public void accumulate(Tensor dst, Tensor src, int n) {
        long t = System.nanoTime(); k.accumulate(dst, src, n); add(Kind.ELEMENTWISE, t);
    }
    @Override public void mul(Tensor out, Tensor a, Tensor b, int n) {
        long t = System.nanoTime(); k.mul(out, a, b, n); add(Kind.ELEMENTWISE, t);
    }
    @Override public double sumSquares(Tensor x, int n) {
        long t = System.nanoTime(); double r = k.sumSquares(x, n); add(Kind.ELEMENTWISE, t); return r;
    }
    @Override public void scale(Tensor x, double s, int n) {
        long t = System.nanoTime(); k.scale(x, s, n); add(Kind.ELEMENTWISE, t);
    }
    @Override public void scaleAdd(Tensor dst, Tensor src, double s, int n) {
        long t = System.nanoTime(); k.scaleAdd(dst, src, s, n); add(Kind.ELEMENTWISE, t);
    }
    @Override public void adamw(Tensor w, Tensor g, Tensor m, Tensor v, int n, double lr, double beta1, double beta2,
                                double eps, double weightDecay, double bc1, double bc2, double gradScale, boolean zeroGrad) {
        long t = System.nanoTime(); k.adamw(w, g, m, v, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2, gradScale, zeroGrad); add(Kind.OPTIMIZER, t);
    }
}
