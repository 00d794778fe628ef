package jgpt.train;

import jgpt.model.GPT;
import jgpt.tensor.Parallel;

/**
 * Data parallelism inside one machine: a batch of B sequences is cut into S shards of whole sequences,
 * each shard runs forward and backward on its own replica (same parameters, own activations, gradients
 * and kernels) on its own thread, and the replicas' gradients are summed into the model's. The same
 * scheme as training on a cluster, with the all-reduce being one pass over the gradient buffer.
 *
 * <p>Why: a small model's step is hundreds of short kernels; splitting each of them over the threads
 * costs a synchronisation per kernel. One shard per thread synchronises twice per step.
 *
 * <p>Exactness: each shard's ∇logits is scaled by its share of the batch's counted positions, so the sum
 * is the whole batch's mean-loss gradient; dropout masks are the whole batch's. Only the order of the
 * floating-point sums differs from an unsplit step (results depend on S, never on thread timing).
 */
public final class DataParallel {
    private final GPT model;
    private final GPT[] replicas;          // replicas[0] is the model itself
    private final int[][] xs, ys;          // (rows of shard i · T) token and target copies
    private final double[] losses;         // per shard, of the current call
    private final long[] counts;           // per shard, positions with a target (≥ 0) in the current call
    private final Shard body = new Shard();

    /** shards ≥ 1; 1 means every call goes straight to the model. */
    public DataParallel(GPT model, int shards) {
        if (shards < 1) throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        this.model = model;
        replicas = new GPT[shards];
        replicas[0] = model;
        for (int i = 1; i < shards; i++) replicas[i] = model.replica(model.k.copy());
        xs = new int[shards][];
        ys = new int[shards][];
        losses = new double[shards];
        counts = new long[shards];
    }

    public int shards() { return replicas.length; }

    /**
     * Forward + backward of one batch (B·T tokens and targets, −1 = ignore): adds the gradient of the
     * batch's mean loss to {@code model.grads()} (like {@code model.backward()}) and returns that loss.
     */
    public double forwardBackward(int[] x, int[] y, int B, int T, double dropout, long seed) {
        return run(x, y, B, T, dropout, seed, true);
    }

    /** The batch's mean loss, no gradients (evaluation). */
    public double loss(int[] x, int[] y, int B, int T) {
        return run(x, y, B, T, 0, 0, false);
    }

    private double run(int[] x, int[] y, int B, int T, double dropout, long seed, boolean train) {
        int s = Math.min(replicas.length, B);
        long total = 0;
        boolean everyShardCounts = true;
        for (int i = 0; i < s; i++) {
            counts[i] = counted(y, rows(i, s, B) * T, rows(i + 1, s, B) * T);
            total += counts[i];
            everyShardCounts &= counts[i] > 0;
        }
        if (s == 1 || !everyShardCounts) {           // nothing to split, or a shard without a loss to average
            if (!train) return model.loss(x, y, B, T);
            return shardForwardBackward(model, x, y, B, T, 0, 1, dropout, seed);
        }
        Shard b = body;
        b.x = x; b.y = y; b.B = B; b.T = T; b.s = s; b.total = total; b.dropout = dropout; b.seed = seed; b.train = train;
        try {
            Parallel.forEach(s, b);
        } finally {
            b.x = b.y = null;
            if (train) { model.setGradScale(1); model.setDropout(dropout, seed, 0); }   // replica 0 is a plain model again
        }
        double loss = 0;
        for (int i = 0; i < s; i++) loss += losses[i] * counts[i] / total;
        if (train)   // the all-reduce: replica 0 is the model, whose buffer already holds its share
            for (int i = 1; i < s; i++) model.k.accumulate(model.grads(), replicas[i].grads(), model.grads().size);
        return loss;
    }

    /** First row of shard i of s over B rows (shard i is rows [rows(i), rows(i+1))). */
    public static int rows(int i, int s, int B) { return (int) ((long) B * i / s); }

    /**
     * One shard's forward and backward on {@code m}: rows [firstRow, firstRow + rows) of a batch (x, y hold
     * just those rows), with the whole batch's dropout masks for those rows and ∇logits scaled by
     * {@code share}, the shard's part of the batch's counted positions. Adds to m.grads(); returns the
     * shard's own mean loss. The one shard step of every data-parallel path (threads here, Spark tasks).
     */
    public static double shardForwardBackward(GPT m, int[] x, int[] y, int rows, int T, long firstRow, double share,
                                              double dropout, long seed) {
        m.setDropout(dropout, seed, firstRow * T);
        m.setGradScale(share);
        try {
            double loss = m.forward(x, y, rows, T);
            m.backward();
            return loss;
        } finally {
            m.setGradScale(1);
        }
    }

    private static long counted(int[] y, int from, int to) {
        long c = 0;
        for (int i = from; i < to; i++) if (y[i] >= 0) c++;
        return c;
    }

    /** Task i: shard i's forward (and backward) on replica i. */
    private final class Shard implements Parallel.Body {
        int[] x, y;
        int B, T, s;
        long total, seed;
        double dropout;
        boolean train;

        @Override public void run(int i, int worker) {
            int r0 = rows(i, s, B), rows = rows(i + 1, s, B) - r0, n = rows * T;
            if (xs[i] == null || xs[i].length != n) { xs[i] = new int[n]; ys[i] = new int[n]; }
            System.arraycopy(x, r0 * T, xs[i], 0, n);
            System.arraycopy(y, r0 * T, ys[i], 0, n);
            GPT r = replicas[i];
            if (!train) { losses[i] = r.loss(xs[i], ys[i], rows, T); return; }
            if (i > 0) r.zeroGrad();
            losses[i] = shardForwardBackward(r, xs[i], ys[i], rows, T, r0, (double) counts[i] / total, dropout, seed);
        }
    }
}
