package jgpt.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import jgpt.model.GPT;
import jgpt.tensor.Tensor;
import jgpt.train.StepGradients;
import jgpt.train.TrainConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A step's gradient computed by Spark: the parameters are broadcast once, N tasks ({@link ShardTask})
 * each compute their shard of every micro-batch, and the driver adds the N gradients in shard order.
 *
 * <p>Why this reduction: {@code collect()} places each task's result by partition index, whatever order
 * the tasks finish in, so the sum's order (shard 0 + 1 + … + N−1) is fixed and a run is bit-reproducible.
 * Spark's treeAggregate/reduce merge partial results in completion order, and with three or more
 * operands a float sum then depends on timing. The cost is N·P floats into the driver per step (see
 * BENCHMARKS.md); a two-operand combine would be order-free, but a tree of shuffles costs more here.
 */
final class SparkGradients implements StepGradients {
    private final JavaSparkContext sc;
    private final GPT model;
    private final TrainConfig tc;
    private final Job job;
    private final List<Integer> shards;
    private final Writer stats;                        // RUNDIR/spark-steps.jsonl: where each step's time went
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Runnable holdSpark;                  // Ctrl-C: keeps Spark up until the trainer has saved
    private long steps;
    private final Split total = new Split();          // over all steps, for the summary
    private final Split last = new Split();           // the current step, for spark-steps.jsonl

    /** Where a step's time went (ms): broadcast call, slowest task's parameter fetch and compute, whole job, driver's sum. */
    private static final class Split {
        double broadcast, fetch, compute, job, sum;

        void add(Split o) { broadcast += o.broadcast; fetch += o.fetch; compute += o.compute; job += o.job; sum += o.sum; }
    }

    private final java.io.PrintStream log;

    SparkGradients(JavaSparkContext sc, GPT model, TrainConfig tc, Job job, Path runDir, java.io.PrintStream log) {
        this.log = log;
        if (model.params.off != 0 || model.params.size != model.params.f.length)
            throw new IllegalArgumentException("the model's parameters must be one whole float[]");
        this.sc = sc;
        this.model = model;
        this.tc = tc;
        this.job = job;
        this.shards = IntStream.range(0, job.shards()).boxed().toList();
        try {
            this.stats = Files.newBufferedWriter(runDir.resolve("spark-steps.jsonl"), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + runDir + ": " + e.getMessage(), e);
        }
        // Spark stops its context from a shutdown hook on Ctrl-C; this one runs first (Hadoop hooks run by
        // priority, Spark's at 40) and waits until the trainer has finished its step and checkpointed.
        holdSpark = () -> { try { closed.await(120, TimeUnit.SECONDS); } catch (InterruptedException ignored) { } };
        org.apache.hadoop.util.ShutdownHookManager.get().addShutdownHook(holdSpark, 100, 130, TimeUnit.SECONDS);
    }

    @Override public double gradients(long step, long[][] starts) {
        long[] seeds = new long[starts.length];
        for (int m = 0; m < starts.length; m++) seeds[m] = tc.dropoutSeed(step, m);
        List<ShardTask.Result> rs = run(step, starts, seeds, true);
        long t0 = System.nanoTime();
        Tensor g = model.grads();
        System.arraycopy(rs.get(0).grad(), 0, g.f, g.off, g.size);
        double loss = rs.get(0).loss();
        for (int i = 1; i < rs.size(); i++) {          // shard order, never arrival order
            model.k.accumulate(g, Tensor.wrap("shard", rs.get(i).grad(), g.size), g.size);
            loss += rs.get(i).loss();
        }
        if (starts.length > 1) model.k.scale(g, 1.0 / starts.length, g.size);
        last.sum = (System.nanoTime() - t0) / 1e6;
        total.add(last);
        steps++;
        logStep(step);
        return loss / starts.length;
    }

    @Override public double validationLoss(long[][] starts) {
        double loss = 0;
        for (ShardTask.Result r : run(-1, starts, null, false)) loss += r.loss();
        return loss / starts.length;
    }

    /** One Spark job: broadcast the parameters, one task per shard, results in shard order. */
    private List<ShardTask.Result> run(long step, long[][] starts, long[] seeds, boolean train) {
        long t0 = System.nanoTime();
        Broadcast<float[]> params = sc.broadcast(model.params.f);
        long t1 = System.nanoTime();
        List<ShardTask.Result> rs;
        try {
            rs = sc.parallelize(shards, shards.size()).map(new ShardTask(job, params, step, starts, seeds, train)).collect();
        } finally {
            params.destroy();
        }
        long t2 = System.nanoTime();
        for (int i = 0; i < rs.size(); i++)
            if (rs.get(i).shard() != i) throw new IllegalStateException("shard " + rs.get(i).shard() + " came back at index " + i);
        if (train) {
            last.broadcast = (t1 - t0) / 1e6;
            last.job = (t2 - t1) / 1e6;
            last.fetch = last.compute = 0;
            for (ShardTask.Result r : rs) {
                last.fetch = Math.max(last.fetch, r.fetchNanos() / 1e6);
                last.compute = Math.max(last.compute, r.computeNanos() / 1e6);
            }
        }
        return rs;
    }

    private void logStep(long step) {
        long p = 4L * model.layout.total;
        try {
            stats.write(String.format(Locale.ROOT, "{\"step\":%d,\"broadcast_ms\":%.3f,\"param_fetch_ms\":%.3f,\"compute_ms\":%.3f,\"job_ms\":%.3f,"
                    + "\"sum_ms\":%.3f,\"param_bytes\":%d,\"grad_bytes\":%d}%n", step, last.broadcast, last.fetch, last.compute, last.job, last.sum, p, p * job.shards()));
            stats.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write spark-steps.jsonl: " + e.getMessage(), e);
        }
    }

    /** Bytes in per step: the parameters (to every executor) and N gradients (to the driver). */
    String summary() {
        if (steps == 0) return "spark: no steps run";
        double mb = 4.0 * model.layout.total / 1e6;
        return String.format(Locale.ROOT, "spark: per step %.1f ms broadcast + %.1f ms task parameter fetch, %.1f ms compute (slowest shard), "
                        + "%.1f ms whole job, %.1f ms adding gradients; moved %.2f MB parameters out, %d × %.2f MB gradients back",
                total.broadcast / steps, total.fetch / steps, total.compute / steps, total.job / steps, total.sum / steps, mb, job.shards(), mb);
    }

    /** How many warnings and errors Spark logged, and where (they stay out of the terminal). */
    private String logSummary() {
        String file = System.getProperty("jgpt.spark.log");
        if (file == null || !Files.isRegularFile(Path.of(file))) return "spark: log as configured by log4j2";
        long warn = 0, error = 0;
        try (var lines = Files.lines(Path.of(file), StandardCharsets.UTF_8)) {
            for (String l : (Iterable<String>) lines::iterator) {
                if (l.contains(" WARN ")) warn++;
                else if (l.contains(" ERROR ")) error++;
            }
        } catch (IOException | UncheckedIOException e) {
            return "spark: log in " + file;
        }
        return String.format(Locale.ROOT, "spark: %d warning%s, %d error%s logged in %s", warn, warn == 1 ? "" : "s", error, error == 1 ? "" : "s", file);
    }

    @Override public void close() {
        if (steps > 0) log.println(summary());
        log.println(logSummary());
        try {
            stats.close();
        } catch (IOException ignored) { }
        sc.stop();
        closed.countDown();
        try { org.apache.hadoop.util.ShutdownHookManager.get().removeShutdownHook(holdSpark); } catch (IllegalStateException ignored) { }
    }
}
