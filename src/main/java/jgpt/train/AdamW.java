package jgpt.train;

import java.util.List;
import jgpt.model.GPT;
import jgpt.model.Weights;
import jgpt.tensor.Tensor;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter), as torch.optim.AdamW. The whole update, step t
 * (1-based), for every element of a parameter tensor w with gradient buffer ∇w:
 * <pre>
 *   g   = s · ∇w                        s: the clip factor ({@link Optimizer#clipScale}), 1 without a clip
 *   w  ← w · (1 − lr·wd)                decoupled decay first, on the old w (PyTorch's order)
 *   m  ← β1·m + (1−β1)·g                first moment
 *   v  ← β2·v + (1−β2)·g²               second moment
 *   w  ← w − (lr / bc1) · m / (√v / √bc2 + eps)     bc1 = 1 − β1^t, bc2 = 1 − β2^t (bias corrections)
 * </pre>
 * wd is the weight decay on tensors of rank ≥ 2 (matrices, embeddings) and 0 on biases and LayerNorm
 * (nanoGPT's convention, {@link Optimizer#decayMask}). With decoupled = false it is torch.optim.Adam: the
 * decay is an L2 term added to the clipped gradient instead, g = s·∇w + wd·w, and the line w ← w·(1 − lr·wd)
 * is skipped. The elementwise loop is {@link jgpt.tensor.Kernels#adamw} (float32 in FastKernels, double in
 * NaiveKernels, tested equal); it can leave ∇w zero for the next step on the way.
 */
public final class AdamW implements Optimizer {
    private final GPT model;
    private final double beta1, beta2, eps, weightDecay;
    private final boolean decoupled;
    private final Tensor m, v;          // (P) first and second moments
    private final Weights mv, vv;
    private final boolean[] decay;      // per parameter tensor: rank ≥ 2
    private final boolean[] only;       // per parameter tensor: updated by this optimizer (null = all; Muon takes the rest)
    private long t;

    public AdamW(GPT model, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        this(model, beta1, beta2, eps, weightDecay, decoupled, null);
    }

    /** As above, updating only the parameter tensors (in layout order) where {@code only} is true. */
    public AdamW(GPT model, double beta1, double beta2, double eps, double weightDecay, boolean decoupled, boolean[] only) {
        this.model = model;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.m = Tensor.zeros(model.dtype, "adam.m", model.params.size);
        this.v = Tensor.zeros(model.dtype, "adam.v", model.params.size);
        this.mv = new Weights(model.layout, m);
        this.vv = new Weights(model.layout, v);
        this.decay = Optimizer.decayMask(model);
        this.only = only;
    }

    @Override public void step(double lr, double gradScale) { update(lr, gradScale, false); }

    @Override public boolean stepAndZeroGrads(double lr, double gradScale) {
        update(lr, gradScale, only == null);       // a partial AdamW leaves the buffer to the trainer's zeroing
        return only == null;
    }

    private void update(double lr, double gradScale, boolean zeroGrads) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        var k = model.k;
        var gv = model.gradViews();
        for (int i = 0; i < decay.length; i++) {
            if (only != null && !only[i]) continue;
            Tensor w = model.w.get(i), g = gv.get(i);
            double wd = decay[i] ? weightDecay : 0;
            double gs = gradScale;
            if (!decoupled && wd != 0) {     // L2 on the clipped gradient: g = s·g + wd·w
                if (gs != 1) k.scale(g, gs, g.size);
                k.scaleAdd(g, w, wd, g.size);
                wd = 0;
                gs = 1;
            }
            k.adamw(w, g, mv.get(i), vv.get(i), w.size, lr, beta1, beta2, eps, wd, bc1, bc2, gs, zeroGrads);
        }
    }

    @Override public long steps() { return t; }
    @Override public void setSteps(long steps) { t = steps; }
    @Override public List<Tensor> state() { return List.of(m, v); }
    @Override public String name() { return decoupled ? "adamw" : "adam"; }
}
