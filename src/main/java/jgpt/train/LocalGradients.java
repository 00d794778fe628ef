package jgpt.train;

import java.util.function.Supplier;
import jgpt.data.BatchSource;
import jgpt.model.GPT;

/** {@link StepGradients} on this machine: each micro-batch read here and split over {@link DataParallel}'s replicas. */
public final class LocalGradients implements StepGradients {
    private final GPT model;
    private final TrainConfig tc;
    private final DataParallel dp;
    private final BatchSource train;
    private final Supplier<BatchSource> val;    // any source over the validation tokens reads its rows; null = none
    private BatchSource valReader;
    private final int[] x, y;                    // (B·T) one micro-batch

    public LocalGradients(GPT model, TrainConfig tc, int shards, BatchSource train, Supplier<BatchSource> val) {
        this.model = model;
        this.tc = tc;
        this.dp = new DataParallel(model, shards);
        this.train = train;
        this.val = val;
        this.x = new int[tc.batch() * tc.block()];
        this.y = new int[tc.batch() * tc.block()];
    }

    public int shards() { return dp.shards(); }

    @Override public double gradients(long step, long[][] starts) {
        double loss = 0;
        for (int micro = 0; micro < starts.length; micro++) {
            train.read(starts[micro], x, y);
            loss += dp.forwardBackward(x, y, tc.batch(), tc.block(), tc.dropout(), tc.dropoutSeed(step, micro));
        }
        if (starts.length > 1) {
            var g = model.grads();
            model.k.scale(g, 1.0 / starts.length, g.size);
        }
        return loss / starts.length;
    }

    @Override public double validationLoss(long[][] starts) {
        if (valReader == null) valReader = val.get();
        double sum = 0;
        for (long[] batch : starts) {
            valReader.read(batch, x, y);
            sum += dp.loss(x, y, tc.batch(), tc.block());
        }
        return sum / starts.length;
    }
}
