package jgpt.tensor;

/**
 * The reference implementation of every kernel: plain loops, double accumulation, any precision.
 * It is the definition the fast kernels are tested against, and the engine of the double-precision
 * finite-difference checks. Correct first; nothing here is tuned.
 */
public class NaiveKernels implements Kernels {

    @Override public Kernels copy() { return new NaiveKernels(); }

    // ---- matrix products ------------------------------------------------------------------------

    @Override public void matmul(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = acc ? out.get(i * N + j) : 0;
                for (int p = 0; p < K; p++) s += a.get(i * K + p) * b.get(p * N + j);
                out.set(i * N + j, s);
            }
    }

    @Override public void matmulNT(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = acc ? out.get(i * N + j) : 0;
                for (int p = 0; p < K; p++) s += a.get(i * K + p) * b.get(j * K + p);
                out.set(i * N + j, s);
            }
    }

    @Override public void matmulTN(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = acc ? out.get(i * N + j) : 0;
                for (int p = 0; p < K; p++) s += a.get(p * M + i) * b.get(p * N + j);
                out.set(i * N + j, s);
            }
    }

    @Override public void addBias(Tensor out, Tensor bias, int N, int C) {
        for (int i = 0; i < N; i++)
            for (int c = 0; c < C; c++) out.add(i * C + c, bias.get(c));
    }

    @Override public void biasBackward(Tensor dBias, Tensor dOut, int N, int C) {
        for (int c = 0; c < C; c++) {
            double s = 0;
            for (int i = 0; i < N; i++) s += dOut.get(i * C + c);
            dBias.add(c, s);
        }
    }

    // ---- LayerNorm --------------------------------------------------------------------------------

    @Override public void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor in, Tensor gain, Tensor bias,
                                    int N, int C, double eps) {
        for (int i = 0; i < N; i++) {
            int o = i * C;
            double m = 0;
            for (int c = 0; c < C; c++) m += in.get(o + c);
            m /= C;
            double var = 0;
            for (int c = 0; c < C; c++) { double x = in.get(o + c) - m; var += x * x; }
            var /= C;                                      // biased variance, as LayerNorm defines it
            double rs = 1.0 / Math.sqrt(var + eps);
            for (int c = 0; c < C; c++) {
                double xhat = (in.get(o + c) - m) * rs;
                double g = gain == null ? 1 : gain.get(c), b = bias == null ? 0 : bias.get(c);
                out.set(o + c, xhat * g + b);
            }
            mean.set(i, m);
            rstd.set(i, rs);
        }
    }

    @Override public void layerNormBackward(Tensor dIn, Tensor dGain, Tensor dBias, Tensor dOut, Tensor in, Tensor gain,
                                            Tensor mean, Tensor rstd, int N, int C) {
        for (int i = 0; i < N; i++) {
            int o = i * C;
            double m = mean.get(i), rs = rstd.get(i);
            // dxhat = dOut·gain;  dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))
            double meanD = 0, meanDX = 0;
            for (int c = 0; c < C; c++) {
                double xhat = (in.get(o + c) - m) * rs;
                double dxhat = dOut.get(o + c) * (gain == null ? 1 : gain.get(c));
                meanD += dxhat;
                meanDX += dxhat * xhat;
            }
            meanD /= C;
            meanDX /= C;
            for (int c = 0; c < C; c++) {
                double xhat = (in.get(o + c) - m) * rs;
                double dy = dOut.get(o + c);
                double dxhat = dy * (gain == null ? 1 : gain.get(c));
                if (dGain != null) dGain.add(c, dy * xhat);
                if (dBias != null) dBias.add(c, dy);
                dIn.add(o + c, rs * (dxhat - meanD - xhat * meanDX));
            }
        }
    }

    // ---- activations --------------------------------------------------------------------------------

    static final double GELU_K = Math.sqrt(2.0 / Math.PI);

    @Override public void gelu(Tensor out, Tensor in, int n) {
        for (int i = 0; i < n; i++) {
            double x = in.get(i);
            out.set(i, 0.5 * x * (1 + Math.tanh(GELU_K * (x + 0.044715 * x * x * x))));
        }
    }

    @Override public void geluBackward(Tensor dIn, Tensor dOut, Tensor in, int n) {
        for (int i = 0; i < n; i++) {
            double x = in.get(i);
            double u = GELU_K * (x + 0.044715 * x * x * x);
            double th = Math.tanh(u);
            double sech2 = 1 - th * th;
            double grad = 0.5 * (1 + th) + 0.5 * x * sech2 * GELU_K * (1 + 3 * 0.044715 * x * x);
            dIn.add(i, grad * dOut.get(i));
        }
    }

    @Override public void relu(Tensor out, Tensor in, int n) {
        for (int i = 0; i < n; i++) out.set(i, Math.max(0, in.get(i)));
    }

    @Override public void reluBackward(Tensor dIn, Tensor dOut, Tensor in, int n) {
        for (int i = 0; i < n; i++) if (in.get(i) > 0) dIn.add(i, dOut.get(i));
    }

    // ---- attention -------------------------------------------------------------------------------------

    @Override public void attention(Tensor out, Tensor att, Tensor q, Tensor k, Tensor v, int B, int T, int C, int H) {
        int hs = C / H;
        double scale = 1.0 / Math.sqrt(hs);
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++)
                for (int t = 0; t < T; t++) {
                    int qo = (b * T + t) * C + h * hs;
                    int ao = ((b * H + h) * T + t) * T;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        int ko = (b * T + s) * C + h * hs;
                        double dot = 0;
                        for (int i = 0; i < hs; i++) dot += q.get(qo + i) * k.get(ko + i);
                        dot *= scale;
                        att.set(ao + s, dot);
                        max = Math.max(max, dot);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) { double e = Math.exp(att.get(ao + s) - max); att.set(ao + s, e); sum += e; }
                    for (int s = 0; s < T; s++) att.set(ao + s, s <= t ? att.get(ao + s) / sum : 0);
                    for (int i = 0; i < hs; i++) {
                        double y = 0;
                        for (int s = 0; s <= t; s++) y += att.get(ao + s) * v.get((b * T + s) * C + h * hs + i);
                        out.set(qo + i, y);
                    }
                }
    }

    @Override public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dAtt, Tensor dOut,
                                            Tensor q, Tensor k, Tensor v, Tensor att, int B, int T, int C, int H) {
        int hs = C / H;
        double scale = 1.0 / Math.sqrt(hs);
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++)
                for (int t = 0; t < T; t++) {
                    int qo = (b * T + t) * C + h * hs;
                    int ao = ((b * H + h) * T + t) * T;
                    // y_t = Σ_s a_ts v_s  →  dA_ts = dy_t·v_s,  dv_s += a_ts·dy_t
                    for (int s = 0; s <= t; s++) {
                        int vo = (b * T + s) * C + h * hs;
                        double d = 0;
                        for (int i = 0; i < hs; i++) {
                            d += dOut.get(qo + i) * v.get(vo + i);
                            dv.add(vo + i, att.get(ao + s) * dOut.get(qo + i));
                        }
                        dAtt.set(ao + s, d);
                    }
                    // softmax backward: dscore_s = a_s·(dA_s − Σ_r a_r dA_r)
                    double dot = 0;
                    for (int s = 0; s <= t; s++) dot += att.get(ao + s) * dAtt.get(ao + s);
                    for (int s = 0; s <= t; s++) {
                        double ds = att.get(ao + s) * (dAtt.get(ao + s) - dot) * scale;
                        int ko = (b * T + s) * C + h * hs;
                        for (int i = 0; i < hs; i++) {
                            dq.add(qo + i, ds * k.get(ko + i));
                            dk.add(ko + i, ds * q.get(qo + i));
                        }
                    }
                }
    }

    @Override public void attentionCached(Tensor out, Tensor att, Tensor q, Tensor kCache, Tensor vCache,
                                          int Tq, int pos0, int C, int H) {
        int hs = C / H, S = pos0 + Tq;
        double scale = 1.0 / Math.sqrt(hs);
        for (int h = 0; h < H; h++)
            for (int i = 0; i < Tq; i++) {
                int t = pos0 + i;                       // absolute position of this query
                int qo = i * C + h * hs;
                int ao = (h * Tq + i) * S;
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    int ko = s * C + h * hs;
                    double dot = 0;
                    for (int j = 0; j < hs; j++) dot += q.get(qo + j) * kCache.get(ko + j);
                    dot *= scale;
                    att.set(ao + s, dot);
                    max = Math.max(max, dot);
                }
                double sum = 0;
                for (int s = 0; s <= t; s++) { double e = Math.exp(att.get(ao + s) - max); att.set(ao + s, e); sum += e; }
                for (int s = 0; s < S; s++) att.set(ao + s, s <= t ? att.get(ao + s) / sum : 0);
                for (int j = 0; j < hs; j++) {
                    double y = 0;
                    for (int s = 0; s <= t; s++) y += att.get(ao + s) * vCache.get(s * C + h * hs + j);
                    out.set(qo + j, y);
                }
            }
    }

    @Override public void rope(Tensor x, int B, int T, int C, int H, int pos0, double theta, boolean inverse) {
        int hs = C / H;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                for (int h = 0; h < H; h++)
                    for (int i = 0; i < hs / 2; i++) {
                        double ang = (pos0 + t) * Math.pow(theta, -2.0 * i / hs);
                        double cos = Math.cos(ang), sin = inverse ? -Math.sin(ang) : Math.sin(ang);
                        int o = (b * T + t) * C + h * hs + 2 * i;
                        double x0 = x.get(o), x1 = x.get(o + 1);
                        x.set(o, x0 * cos - x1 * sin);
                        x.set(o + 1, x0 * sin + x1 * cos);
                    }
    }

    // ---- output ---------------------------------------------------------------------------------------

    @Override public double crossEntropy(Tensor dLogits, Tensor losses, Tensor logits, int[] targets, int N, int V) {
        int count = 0;
        for (int i = 0; i < N; i++) if (targets[i] >= 0) count++;
        double total = 0;
        for (int i = 0; i < N; i++) {
            int o = i * V, y = targets[i];
            if (y < 0) {
                losses.set(i, 0);
                if (dLogits != null) for (int j = 0; j < V; j++) dLogits.set(o + j, 0);
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < V; j++) max = Math.max(max, logits.get(o + j));
            double sum = 0;
            for (int j = 0; j < V; j++) sum += Math.exp(logits.get(o + j) - max);
            double logZ = max + Math.log(sum);
            double loss = logZ - logits.get(o + y);
            losses.set(i, loss);
            total += loss;
            if (dLogits != null)   // ∇logits = P − onehot, averaged over counted positions
                for (int j = 0; j < V; j++)
                    dLogits.set(o + j, (Math.exp(logits.get(o + j) - logZ) - (j == y ? 1 : 0)) / count);
        }
        return count == 0 ? Double.NaN : total / count;
    }

    @Override public void softmax(Tensor probs, Tensor logits, int N, int V) {
        for (int i = 0; i < N; i++) {
            int o = i * V;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < V; j++) max = Math.max(max, logits.get(o + j));
            double sum = 0;
            for (int j = 0; j < V; j++) sum += Math.exp(logits.get(o + j) - max);
            for (int j = 0; j < V; j++) probs.set(o + j, Math.exp(logits.get(o + j) - max) / sum);
        }
    }

    // ---- elementwise ------------------------------------------------------------------------------------

    @Override public void add(Tensor out, Tensor a, Tensor b, int n) { for (int i = 0; i < n; i++) out.set(i, a.get(i) + b.get(i)); }
    @Override public void accumulate(Tensor dst, Tensor src, int n) { for (int i = 0; i < n; i++) dst.add(i, src.get(i)); }
    @Override public void mul(Tensor out, Tensor a, Tensor b, int n) { for (int i = 0; i < n; i++) out.set(i, a.get(i) * b.get(i)); }
    @Override public double sumSquares(Tensor x, int n) { double s = 0; for (int i = 0; i < n; i++) s += x.get(i) * x.get(i); return s; }
    @Override public void scale(Tensor x, double s, int n) { for (int i = 0; i < n; i++) x.set(i, x.get(i) * s); }
    @Override public void scaleAdd(Tensor dst, Tensor src, double s, int n) { for (int i = 0; i < n; i++) dst.add(i, s * src.get(i)); }

    // ---- optimizer --------------------------------------------------------------------------------------

    /** The loop of jgpt.train.AdamW's formula, line by line in double. */
    @Override public void adamw(Tensor w, Tensor g, Tensor m, Tensor v, int n, double lr, double beta1, double beta2,
                                double eps, double weightDecay, double bc1, double bc2, double gradScale, boolean zeroGrad) {
        for (int i = 0; i < n; i++) {
            double gi = gradScale * g.get(i);
            if (zeroGrad) g.set(i, 0);
            double mi = beta1 * m.get(i) + (1 - beta1) * gi;
            double vi = beta2 * v.get(i) + (1 - beta2) * gi * gi;
            m.set(i, mi);
            v.set(i, vi);
            double wi = w.get(i) * (1 - lr * weightDecay);
            w.set(i, wi - (lr / bc1) * mi / (Math.sqrt(vi) / Math.sqrt(bc2) + eps));
        }
    }
}
