package jgpt.train;

/** Learning rate at a step: constant, or nanoGPT's linear warm-up then cosine decay to a minimum. */
public record Schedule(String kind, double lr, double minLr, int warmup, int decaySteps) {

    public Schedule {
        if (!kind.equals("constant") && !kind.equals("cosine"))
            throw new jgpt.InvalidSetting("schedule", "schedule '" + kind + "' is unknown: use constant or cosine");
    }

    public double at(long step) {
        if (kind.equals("constant")) return warmup > 0 && step < warmup ? lr * (step + 1) / (warmup + 1) : lr;
        if (step < warmup) return lr * (step + 1) / (warmup + 1);
        if (step > decaySteps) return minLr;
        double ratio = (double) (step - warmup) / Math.max(1, decaySteps - warmup);
        return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (lr - minLr);
    }
}
