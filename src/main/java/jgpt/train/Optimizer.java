package jgpt.train;

import java.util.List;
import jgpt.model.GPT;
import jgpt.tensor.Tensor;

/**
 * Applies one update from the gradients already in {@code model.grads()}: the second half of a training
 * step (the first, computing gradients, is forward + backward). Its state lives in flat buffers with the
 * parameters' layout so a checkpoint, or a distributed replica, can copy it whole.
 */
public interface Optimizer {
    /** One update with learning rate lr. */
    default void step(double lr) { step(lr, 1); }
    /**
     * One update from gradScale × the gradients (a clip factor, see {@link #clipScale}, folded into the
     * update's own pass instead of a pass that rescales the buffer).
     */
    void step(double lr, double gradScale);
    /**
     * As {@link #step(double, double)}; returns true if the gradient buffer was left zero on the way (AdamW
     * writes the zeros in its own pass), so the next step may skip {@code model.zeroGrad()}.
     */
    default boolean stepAndZeroGrads(double lr, double gradScale) { step(lr, gradScale); return false; }
    /** Updates applied so far. */
    long steps();
    void setSteps(long steps);
    /** Named state buffers, same layout as the parameters (for checkpoints). */
    List<Tensor> state();
    String name();

    /** Global L2 norm of all gradients. */
    static double gradNorm(GPT model) {
        Tensor g = model.grads();
        return Math.sqrt(model.k.sumSquares(g, g.size));
    }

    /** The factor that brings a gradient of this norm down to maxNorm (1 if it is within, or maxNorm ≤ 0): PyTorch's clip_grad_norm_. */
    static double clipScale(double norm, double maxNorm) {
        return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
    }

    /** Scales gradients so their global norm is at most maxNorm (PyTorch's clip_grad_norm_); returns the norm before. */
    static double clipGradNorm(GPT model, double maxNorm) {
        double norm = gradNorm(model), s = clipScale(norm, maxNorm);
        if (s != 1) model.k.scale(model.grads(), s, model.grads().size);
        return norm;
    }

    static Optimizer create(String name, GPT model, double beta1, double beta2, double eps, double weightDecay, double momentum) {
        return switch (name) {
            case "adamw" -> new AdamW(model, beta1, beta2, eps, weightDecay, true);
            case "adam" -> new AdamW(model, beta1, beta2, eps, weightDecay, false);
            case "sgd" -> new SGD(model, momentum, weightDecay);
            default -> throw new jgpt.UserError("unknown optimizer '" + name + "': use sgd, adam or adamw");
        };
    }

    /** The run's optimizer: Muon (with AdamW for the rest) or one of {@link #create(String, GPT, double, double, double, double, double)}'s. */
    static Optimizer create(TrainConfig tc, GPT model) {
        if (tc.optimizer().equals("muon"))
            return new Muon(model, tc.lr(), tc.muonLr(), tc.muonMomentum(), true, tc.beta1(), tc.beta2(), tc.eps(), tc.weightDecay());
        return create(tc.optimizer(), model, tc.beta1(), tc.beta2(), tc.eps(), tc.weightDecay(), tc.momentum());
    }

    /** Which parameter tensors (in layout order) get weight decay: rank ≥ 2, not biases or LayerNorm. */
    static boolean[] decayMask(GPT model) {
        var specs = model.layout.specs();
        boolean[] d = new boolean[specs.size()];
        for (int i = 0; i < d.length; i++) d[i] = specs.get(i).decay();
        return d;
    }

}
