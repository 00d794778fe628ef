package jgpt.train;

import jgpt.InvalidSetting;

/** Every hyperparameter of a training run; saved in checkpoints so a resume continues the same run. */
public record TrainConfig(int batch, int block, int steps, int gradAccum,
                          String optimizer, double lr, double minLr, double beta1, double beta2, double eps,
                          double weightDecay, double momentum, String schedule, int warmup, double clip,
                          double dropout, String sampling, int evalEvery, int evalBatches,
                          int checkpointEvery, long seed, double muonLr, double muonMomentum) {

    /** Muon's defaults (0.02, momentum 0.95) for the settings that only --optimizer muon reads. */
    public static final double MUON_LR = 0.02, MUON_MOMENTUM = 0.95;

    /** Without Muon's settings: they take their defaults. */
    public TrainConfig(int batch, int block, int steps, int gradAccum,
                       String optimizer, double lr, double minLr, double beta1, double beta2, double eps,
                       double weightDecay, double momentum, String schedule, int warmup, double clip,
                       double dropout, String sampling, int evalEvery, int evalBatches,
                       int checkpointEvery, long seed) {
        this(batch, block, steps, gradAccum, optimizer, lr, minLr, beta1, beta2, eps, weightDecay, momentum, schedule, warmup, clip,
                dropout, sampling, evalEvery, evalBatches, checkpointEvery, seed, MUON_LR, MUON_MOMENTUM);
    }

    public TrainConfig {
        positive(batch, "batch");
        positive(block, "block");
        positive(steps, "steps");
        positive(gradAccum, "grad-accum");
        check(lr > 0, "lr", "must be positive, got " + lr);
        check(minLr >= 0, "min-lr", "must be ≥ 0, got " + minLr);
        check(beta1 >= 0 && beta1 < 1, "beta1", "must be in [0, 1), got " + beta1);
        check(beta2 >= 0 && beta2 < 1, "beta2", "must be in [0, 1), got " + beta2);
        check(eps > 0, "eps", "must be positive, got " + eps);
        check(weightDecay >= 0, "weight-decay", "must be ≥ 0, got " + weightDecay);
        check(warmup >= 0, "warmup", "must be ≥ 0, got " + warmup);
        check(clip >= 0, "clip", "must be ≥ 0 (0 = off), got " + clip);
        check(dropout >= 0 && dropout < 1, "dropout", "must be in [0, 1), got " + dropout);
        check(sampling.equals("random") || sampling.equals("sequential"), "sampling", "must be random or sequential, got '" + sampling + "'");
        check(evalEvery >= 0, "eval-every", "must be ≥ 0, got " + evalEvery);
        check(evalBatches >= 0, "eval-batches", "must be ≥ 0, got " + evalBatches);
        check(checkpointEvery >= 0, "checkpoint-every", "must be ≥ 0, got " + checkpointEvery);
        check(java.util.Set.of("sgd", "adam", "adamw", "muon").contains(optimizer), "optimizer", "'" + optimizer + "' is unknown: use sgd, adam, adamw or muon");
        // a checkpoint written before Muon existed reads these as 0: only a Muon run needs them
        check(optimizer.equals("muon") ? muonLr > 0 : muonLr >= 0, "muon-lr", "must be positive, got " + muonLr);
        check(muonMomentum >= 0 && muonMomentum < 1, "muon-momentum", "must be in [0, 1), got " + muonMomentum);
    }

    private static void positive(int v, String setting) { check(v > 0, setting, "must be positive, got " + v); }

    /** The setting's name starts the message (see {@link InvalidSetting}). */
    private static void check(boolean ok, String setting, String problem) {
        if (!ok) throw new InvalidSetting(setting, setting + " " + problem);
    }

    public Schedule scheduleFn() { return new Schedule(schedule, lr, minLr, warmup, steps); }
    public int tokensPerStep() { return batch * block * gradAccum; }
    /** The dropout seed of micro-batch {@code micro} of step {@code step}: the same on every machine and shard. */
    public long dropoutSeed(long step, int micro) { return seed * 1_000_003L + step * gradAccum + micro; }
}
