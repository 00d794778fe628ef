package jgpt.train;

import jgpt.UserError;

/** Every hyperparameter of a training run; saved in checkpoints so a resume continues the same run. */
public record TrainConfig(int batch, int block, int steps, int gradAccum,
                          String optimizer, double lr, double minLr, double beta1, double beta2, double eps,
                          double weightDecay, double momentum, String schedule, int warmup, double clip,
                          double dropout, String sampling, int evalEvery, int evalBatches,
                          int checkpointEvery, long seed) {

    public TrainConfig {
        positive(batch, "--batch");
        positive(block, "--block");
        positive(steps, "--steps");
        positive(gradAccum, "--grad-accum");
        if (!(lr > 0)) throw new UserError("--lr must be positive, got " + lr);
        if (minLr < 0) throw new UserError("--min-lr must be ≥ 0, got " + minLr);
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new UserError("--beta1/--beta2 must be in [0, 1)");
        if (!(eps > 0)) throw new UserError("--eps must be positive, got " + eps);
        if (weightDecay < 0) throw new UserError("--weight-decay must be ≥ 0, got " + weightDecay);
        if (warmup < 0) throw new UserError("--warmup must be ≥ 0, got " + warmup);
        if (clip < 0) throw new UserError("--clip must be ≥ 0 (0 = off), got " + clip);
        if (dropout < 0 || dropout >= 1) throw new UserError("--dropout must be in [0, 1), got " + dropout);
        if (!sampling.equals("random") && !sampling.equals("sequential")) throw new UserError("--sampling must be random or sequential, got '" + sampling + "'");
        if (evalEvery < 0 || evalBatches < 0 || checkpointEvery < 0) throw new UserError("--eval-every, --eval-batches and --checkpoint-every must be ≥ 0");
        if (!java.util.Set.of("sgd", "adam", "adamw").contains(optimizer)) throw new UserError("unknown --optimizer '" + optimizer + "': use sgd, adam or adamw");
    }

    private static void positive(int v, String flag) {
        if (v <= 0) throw new UserError(flag + " must be positive, got " + v);
    }

    public Schedule scheduleFn() { return new Schedule(schedule, lr, minLr, warmup, steps); }
    public int tokensPerStep() { return batch * block * gradAccum; }
    /** The dropout seed of micro-batch {@code micro} of step {@code step}: the same on every machine and shard. */
    public long dropoutSeed(long step, int micro) { return seed * 1_000_003L + step * gradAccum + micro; }
}
