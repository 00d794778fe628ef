package jgpt.train;

import java.util.List;
import jgpt.model.GPT;
import jgpt.model.Weights;
import jgpt.tensor.Tensor;

/**
 * Stochastic gradient descent, the seeds' update W ← W − η·∇W, with optional momentum
 * (buf = μ·buf + g; W ← W − η·buf, as torch.optim.SGD) and L2 weight decay on rank ≥ 2 tensors.
 */
public final class SGD implements Optimizer {
    private final GPT model;
    private final double momentum, weightDecay;
    private final Tensor buf;      // (P) momentum buffer, empty when momentum = 0
    private final Weights bv;
    private final boolean[] decay;      // per parameter tensor: rank ≥ 2
    private long t;

    public SGD(GPT model, double momentum, double weightDecay) {
        this.model = model;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.buf = Tensor.zeros(model.dtype, "sgd.momentum", momentum > 0 ? model.params.size : 0);
        this.bv = momentum > 0 ? new Weights(model.layout, buf) : null;
        this.decay = Optimizer.decayMask(model);
    }

    @Override public void step(double lr, double gradScale) {
        var k = model.k;
        boolean first = t == 0;
        t++;
        var gv = model.gradViews();
        if (gradScale != 1) k.scale(model.grads(), gradScale, model.grads().size);   // not folded: SGD's passes are cheap
        for (int i = 0; i < decay.length; i++) {
            Tensor w = model.w.get(i), g = gv.get(i);
            if (decay[i] && weightDecay != 0) k.scaleAdd(g, w, weightDecay, g.size);   // g += wd·w
            Tensor d = g;
            if (momentum > 0) {
                Tensor b = bv.get(i);
                if (first) b.copyFrom(g); else { k.scale(b, momentum, b.size); k.accumulate(b, g, b.size); }
                d = b;
            }
            k.scaleAdd(w, d, -lr, w.size);                                              // W ← W − η·d
        }
    }

    @Override public long steps() { return t; }
    @Override public void setSteps(long steps) { t = steps; }
    @Override public List<Tensor> state() { return momentum > 0 ? List.of(buf) : List.of(); }
    @Override public String name() { return "sgd"; }
}
