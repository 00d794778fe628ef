package jgpt.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import jgpt.data.BatchSource;
import jgpt.model.GPT;
import jgpt.tokenizer.Tokenizer;

/**
 * The training loop: take a batch, forward, loss, backward, clip, update, repeat — with validation,
 * metrics.jsonl, progress, and crash-safe checkpoints (periodic, final, best-validation, and on Ctrl-C).
 * The step itself is a {@link TrainStep}; whoever computes its gradient ({@link StepGradients}: this
 * machine's replicas or a cluster) hands the mean gradient back before the clip and the update.
 */
public final class Trainer {
    private final GPT model;
    private final Tokenizer tokenizer;
    private final TrainConfig tc;
    private final BatchSource train;
    private final Supplier<BatchSource> val;    // a fresh source over the same fixed val batches each time; null = no val data
    private final Path out;
    private final Optimizer opt;
    private final TrainStep stepper;             // gradients, norm, clip, learning rate, update
    private final long[][] starts, valStarts;     // row starts of the step's micro-batches, of the validation batches
    private final double peakFlops;              // the machine's fp32 peak assumed for MFU
    private final PrintStream log;
    private long step;                           // steps completed
    private double bestVal = Double.POSITIVE_INFINITY;
    private volatile boolean stopRequested;
    private double lastLoss = Double.NaN, lastVal = Double.NaN;
    private StepGradients gradients;             // who computes each step's gradient (local replicas or a cluster)
    private boolean skipNonFinite;               // --on-nonfinite skip: drop a step whose loss or gradient is NaN/Inf
    private boolean resumed;
    private java.util.function.Consumer<ObjectNode> onStep = m -> { };   // samples.jsonl, a live dashboard, the library's callback

    public Trainer(GPT model, Tokenizer tokenizer, TrainConfig tc, BatchSource train, Supplier<BatchSource> val,
                   Path out, double peakFlops, PrintStream log) {
        if (tc.block() > model.cfg.block())
            throw new jgpt.InvalidSetting("block", "block " + tc.block() + " is larger than the model's context " + model.cfg.block());
        this.model = model;
        this.tokenizer = tokenizer;
        this.tc = tc;
        this.train = train;
        this.val = val;
        this.out = out;
        this.peakFlops = peakFlops;
        this.log = log;
        this.opt = Optimizer.create(tc, model);
        this.stepper = new TrainStep(model, opt, tc.scheduleFn(), tc.clip());
        this.starts = new long[tc.gradAccum()][tc.batch()];
        this.valStarts = new long[tc.evalBatches()][tc.batch()];
        this.gradients = new LocalGradients(model, tc, 1, train, val);
    }

    /** Splits every batch over n replicas, one per thread (see {@link DataParallel}); 1 = off. */
    public Trainer shards(int n) {
        if (n != shards()) gradients = new LocalGradients(model, tc, n, train, val);
        return this;
    }

    public int shards() { return gradients instanceof LocalGradients l ? l.shards() : 1; }

    /** Computes each step's gradient with g instead of this machine's replicas (a cluster). */
    public Trainer gradients(StepGradients g) {
        gradients = g;
        return this;
    }

    /** What a NaN/Inf loss or gradient does: false = stop with an error (default), true = drop that step's update. */
    public Trainer skipNonFinite(boolean skip) { skipNonFinite = skip; return this; }

    /**
     * Adds f to what runs after every step, once its metrics.jsonl record (given to f; "step" is the step's
     * 0-based index, so step + 1 steps are complete) is written.
     */
    public Trainer onStep(java.util.function.Consumer<ObjectNode> f) { onStep = onStep.andThen(f); return this; }

    public Optimizer optimizer() { return opt; }
    public long step() { return step; }
    public double lastLoss() { return lastLoss; }
    public double lastValLoss() { return lastVal; }
    public double bestValLoss() { return bestVal; }
    /** Asks the loop to stop after the current step and save a checkpoint (Ctrl-C). */
    public void requestStop() { stopRequested = true; }

    /** Restores model, optimizer, data position and counters from RUNDIR/checkpoint. */
    public void resume() {
        Checkpoint.State s = Checkpoint.load(out, model, opt);
        step = s.step();
        bestVal = s.bestVal();
        train.restore(s.data());
        Metrics.truncate(out.resolve("metrics.jsonl"), step, val != null && step < tc.steps() ? tc.evalEvery() : 0);
        resumed = true;
        log.printf("resumed %s at step %d of %d%n", out, step, tc.steps());
    }

    /** Mean validation loss over evalBatches batches (the same batches every time). */
    public double evaluate() {
        BatchSource src = val.get();
        for (long[] batch : valStarts) src.nextStarts(batch);
        return gradients.validationLoss(valStarts);
    }

    /** Runs from the current step to tc.steps; returns the last training loss. */
    public double run() {
        ObjectMapper json = new ObjectMapper();
        Thread hook = new Thread(this::onInterrupt, "jgpt-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
        long flopsPerStep = 3L * flopsPerTokenForward() * tc.tokensPerStep();
        Progress progress = new Progress(log, tc.steps(), step);
        boolean evalOn = val != null && tc.evalEvery() > 0 && tc.evalBatches() > 0;
        if (!resumed) Metrics.truncate(out.resolve("metrics.jsonl"), 0);   // lines of an earlier attempt that never checkpointed
        try (Metrics metrics = new Metrics(out.resolve("metrics.jsonl"))) {
            while (step < tc.steps() && !stopRequested) {
                long t0 = System.nanoTime();
                for (long[] micro : starts) train.nextStarts(micro);
                double loss = stepper.take(gradients, step, starts);
                double lr = stepper.lr(), norm = stepper.norm();
                boolean finite = stepper.applied();
                if (!finite && !skipNonFinite) throw nonFinite(loss, norm);
                double sec = (System.nanoTime() - t0) / 1e9;
                step++;
                lastLoss = loss;

                ObjectNode m = json.createObjectNode();
                m.put("step", step - 1);         // the step whose forward produced this loss (0-based, like nanoGPT's iter)
                m.put("loss", loss);
                m.put("lr", lr);
                m.put("grad_norm", norm);
                m.put("ms", sec * 1e3);
                m.put("tokens_per_s", tc.tokensPerStep() / sec);
                m.put("mfu", flopsPerStep / sec / peakFlops);
                m.put("peak_flops", peakFlops);
                if (!finite) m.put("skipped", true);     // --on-nonfinite skip: no update was applied
                boolean last = step == tc.steps();
                if (evalOn && (step % tc.evalEvery() == 0 || last)) {
                    lastVal = evaluate();
                    m.put("val_loss", lastVal);
                    if (lastVal < bestVal) {
                        bestVal = lastVal;
                        Checkpoint.saveModel(out.resolve("best"), model, tokenizer);
                    }
                    progress.note(String.format("step %d: train loss %.4f, val loss %.4f", step, loss, lastVal));
                }
                metrics.write(m);
                onStep.accept(m);
                progress.update(step, loss, tc.tokensPerStep() / sec);
                if (tc.checkpointEvery() > 0 && step % tc.checkpointEvery() == 0 && !last) save();
            }
            progress.finish(step);
            save();
            if (stopRequested && step < tc.steps())
                log.printf("stopped at step %d of %d; the checkpoint in %s continues the run%n", step, tc.steps(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + out + ": " + e.getMessage(), e);
        } finally {
            done.countDown();
            try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException ignored) { /* shutting down */ }
        }
        return lastLoss;
    }

    /** The step that went non-finite, where the last good checkpoint is, and what to try. */
    private NonFiniteStep nonFinite(double loss, double norm) {
        Path ckpt = Checkpoint.find(out);
        return new NonFiniteStep(step, Double.isFinite(loss) ? "gradient norm" : "loss", Double.isFinite(loss) ? norm : loss,
                out, ckpt, ckpt == null ? -1 : Checkpoint.readState(out).step(), tc.lr() / 2);
    }

    private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

    /** Ctrl-C: ask for a stop, then wait (bounded) until the loop has written its checkpoint. */
    private void onInterrupt() {
        stopRequested = true;
        try { done.await(120, java.util.concurrent.TimeUnit.SECONDS); } catch (InterruptedException ignored) { }
    }

    /** Full checkpoint (model, optimizer, data position, config) plus the plain model files at RUNDIR's top. */
    public void save() {
        Checkpoint.save(out, model, tokenizer, opt, new Checkpoint.State(step, bestVal, train.state(), tc));
    }

    /** Forward FLOPs per token, as in the PyTorch peer: L·(24C² + 4TC) + 2CV. */
    public long flopsPerTokenForward() { return flopsPerTokenForward(model.cfg, tc.block()); }

    public static long flopsPerTokenForward(jgpt.model.Config c, int T) {
        long C = c.embd(), L = c.layers(), V = c.vocab(), F = c.ffn();
        return L * (8 * C * C + 4 * C * F + 4L * T * C) + 2 * C * V;
    }

    static void ensureDir(Path p) {
        try { Files.createDirectories(p); } catch (IOException e) { throw new UncheckedIOException("cannot create " + p + ": " + e.getMessage(), e); }
    }
}
