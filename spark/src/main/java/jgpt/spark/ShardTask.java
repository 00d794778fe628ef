package jgpt.spark;

import java.io.Serializable;
import jgpt.model.GPT;
import jgpt.train.DataParallel;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * Spark task i of a step: shard i (whole sequences, {@link DataParallel#rows}) of every batch of the step,
 * forward and backward with {@link DataParallel#shardForwardBackward} on an executor's cached model that
 * holds the step's broadcast parameters. A pure function of (parameters, rows, step): a retried task
 * returns the same bits.
 */
final class ShardTask implements Function<Integer, ShardTask.Result> {
    private final Job job;
    private final Broadcast<float[]> params;
    private final long step;
    private final long[][] starts;       // [batch][B] row starts
    private final long[] seeds;          // [batch] dropout seeds (train)
    private final boolean train;         // false: loss only, of the validation tokens

    /** What the task sends back: its part of the mean loss, its gradient (train), and where its time went. */
    record Result(int shard, double loss, float[] grad, long fetchNanos, long computeNanos) implements Serializable {}

    ShardTask(Job job, Broadcast<float[]> params, long step, long[][] starts, long[] seeds, boolean train) {
        this.job = job;
        this.params = params;
        this.step = step;
        this.starts = starts;
        this.seeds = seeds;
        this.train = train;
    }

    @Override public Result call(Integer shard) throws Exception {
        TaskContext ctx = TaskContext.get();
        if (train && job.failOnce() != null && ctx != null && ctx.attemptNumber() == 0 && job.failOnce().equals(shard + "@" + step))
            throw new IllegalStateException("jgpt test hook: shard " + shard + " of step " + step + " fails on its first attempt");
        if (train && job.delayMs() > 0) Thread.sleep(job.delayMs());
        long t0 = System.nanoTime();
        float[] p = params.value();
        GPT m = ExecutorModels.borrow(job.cfg(), job.kernels());
        try {
            System.arraycopy(p, 0, m.params.f, m.params.off, m.params.size);
            long t1 = System.nanoTime();
            if (train) m.zeroGrad();
            int B = job.batch(), T = job.block(), n = job.shards();
            int r0 = DataParallel.rows(shard, n, B), rows = DataParallel.rows(shard + 1, n, B) - r0;
            int[] x = new int[rows * T], y = new int[rows * T];
            TokenRows file = train ? job.train() : job.val();
            double loss = 0;
            for (int b = 0; b < starts.length; b++) {
                file.read(starts[b], r0, rows, T, x, y, job.hadoop());
                long counted = (long) rows * T, total = (long) B * T;   // token files have no ignored targets
                double shardLoss = train
                        ? DataParallel.shardForwardBackward(m, x, y, rows, T, r0, (double) counted / total, job.dropout(), seeds[b])
                        : m.loss(x, y, rows, T);
                loss += shardLoss * counted / total;
            }
            float[] grad = train ? java.util.Arrays.copyOfRange(m.grads().f, m.grads().off, m.grads().off + m.grads().size) : null;
            return new Result(shard, loss, grad, t1 - t0, System.nanoTime() - t1);
        } finally {
            ExecutorModels.release(job.cfg(), job.kernels(), m);
        }
    }
}
