package jgpt.train;

import java.nio.file.Path;

/**
 * A training step whose loss or gradient norm became NaN or infinite: nothing was updated, the run stopped,
 * and the last checkpoint (if any) is intact. The fields say what to try; the CLI words them as flags.
 */
public final class NonFiniteStep extends jgpt.UserError {
    /** The 0-based step, which of "loss" or "gradient norm" went non-finite, and its value. */
    public final long step;
    public final String quantity;
    public final double value;
    /** The run directory; its last good checkpoint directory and that checkpoint's step (null and −1: none yet). */
    public final Path runDir, checkpoint;
    public final long checkpointStep;
    /** A lower learning rate to resume with (half the run's). */
    public final double lowerLr;

    NonFiniteStep(long step, String quantity, double value, Path runDir, Path checkpoint, long checkpointStep, double lowerLr) {
        super(what(step, quantity, value, checkpoint, checkpointStep) + String.format(": resume it with a lower learning rate "
                + "(%.3g), or rerun with the gradient clipped (clip 1) or non-finite steps skipped", lowerLr));
        this.step = step;
        this.quantity = quantity;
        this.value = value;
        this.runDir = runDir;
        this.checkpoint = checkpoint;
        this.checkpointStep = checkpointStep;
        this.lowerLr = lowerLr;
    }

    /** What happened, without the advice: "step 6: the loss became NaN; nothing was updated and …". */
    public String what() { return what(step, quantity, value, checkpoint, checkpointStep); }

    private static String what(long step, String quantity, double value, Path checkpoint, long checkpointStep) {
        return String.format("step %d: the %s became %s; nothing was updated and %s", step, quantity, value,
                checkpoint == null ? "there is no checkpoint yet" : "the last good checkpoint (step " + checkpointStep + ") is in " + checkpoint);
    }
}
