package jgpt.train;

import jgpt.model.GPT;

/**
 * One training step, the same for {@code jgpt train} ({@link Trainer}) and {@code jgpt bench}: the step's mean
 * gradient over its micro-batches (from whichever {@link StepGradients}), the gradient's global norm, the
 * scheduled learning rate, the clip, and the optimizer's update. A step whose loss or gradient norm is not
 * finite applies no update; the caller decides whether that stops the run.
 */
public final class TrainStep {
    private final GPT model;
    private final Optimizer opt;
    private final Schedule schedule;
    private final double clip;          // max global gradient norm; 0 = no clipping
    private boolean gradsZero;          // model.grads() known zero: the optimizer's last pass left it so
    private double lr, norm;
    private boolean applied;

    public TrainStep(GPT model, Optimizer opt, Schedule schedule, double clip) {
        this.model = model;
        this.opt = opt;
        this.schedule = schedule;
        this.clip = clip;
    }

    /**
     * Takes step {@code step} (0-based) over the micro-batches whose row starts are {@code starts[m]};
     * returns its mean loss. {@link #lr}, {@link #norm} and {@link #applied} then describe the step.
     */
    public double take(StepGradients gradients, long step, long[][] starts) {
        if (!gradsZero) model.zeroGrad();
        gradsZero = false;
        double loss = gradients.gradients(step, starts);
        if (step == FAULT_NAN_AT_STEP) model.grads().set(0, Double.NaN);
        lr = schedule.at(step);
        norm = Optimizer.gradNorm(model);
        applied = Double.isFinite(loss) && Double.isFinite(norm);
        if (applied) {
            // PyTorch's clip_grad_norm_(clip), folded into the update's own pass as a factor on the gradient
            double clipScale = Optimizer.clipScale(norm, clip);
            gradsZero = opt.stepAndZeroGrads(lr, clipScale);
        }
        return loss;
    }

    /** The last step's learning rate. */
    public double lr() { return lr; }
    /** The last step's global gradient norm, before clipping. */
    public double norm() { return norm; }
    /** Whether the last step updated the parameters (false: its loss or gradient was NaN/Inf). */
    public boolean applied() { return applied; }

    /** Test hook (-Djgpt.fault.nanAtStep=K): a NaN in the gradient of step K, to exercise --on-nonfinite. */
    private static final long FAULT_NAN_AT_STEP = Long.getLong("jgpt.fault.nanAtStep", -1);
}
