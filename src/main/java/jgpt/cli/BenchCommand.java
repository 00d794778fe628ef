package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import jgpt.UserError;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.Generator;
import jgpt.model.Sampler;
import jgpt.tensor.DType;
import jgpt.tensor.Kernels;
import jgpt.tensor.TimedKernels;
import jgpt.tensor.Tensor;
import jgpt.tensor.Parallel;
import jgpt.data.BatchSource;
import jgpt.train.AdamW;
import jgpt.train.LocalGradients;
import jgpt.train.TrainConfig;
import jgpt.train.TrainStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Speed of a GPT-2-architecture model of the given size on random tokens: training step time and tokens/s,
 * forward-only and batch-1 generation tokens/s, model FLOPs and MFU against the measured matmul peak,
 * peak memory, and the allocation per step in the steady state (which should be 0 bytes).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure training, forward and generation speed of a model size (random data, GPT-2 architecture).")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--vocab", description = "Vocabulary size V (default ${DEFAULT-VALUE}).", defaultValue = "65") int vocab;
    @Option(names = "--layers", description = "Decoder blocks L (default ${DEFAULT-VALUE}).", defaultValue = "4") int layers;
    @Option(names = "--heads", description = "Attention heads H (default ${DEFAULT-VALUE}).", defaultValue = "4") int heads;
    @Option(names = "--embd", description = "Model width C (default ${DEFAULT-VALUE}).", defaultValue = "128") int embd;
    @Option(names = "--block", description = "Sequence length T, also the context (default ${DEFAULT-VALUE}).", defaultValue = "64") int block;
    @Option(names = "--batch", description = "Sequences per step B (default ${DEFAULT-VALUE}).", defaultValue = "12") int batch;
    @Option(names = "--steps", description = "Timed training steps (default ${DEFAULT-VALUE}).", defaultValue = "20") int steps;
    @Option(names = "--warmup", description = "Untimed steps first (default ${DEFAULT-VALUE}); warm-up also lasts at least --warmup-seconds.", defaultValue = "5") int warmup;
    @Option(names = "--warmup-seconds", description = "Minimum warm-up time, so the JIT has compiled the kernels (default ${DEFAULT-VALUE}).", defaultValue = "3") double warmupSeconds;
    @Option(names = "--max-warmup-seconds", description = "Give up waiting for a warm (allocation-free) step after this long (default ${DEFAULT-VALUE}).", defaultValue = "120") double maxWarmupSeconds;
    @Option(names = "--gen-tokens", description = "New tokens for the generation speed, batch 1 (default ${DEFAULT-VALUE}).", defaultValue = "128") int genTokens;
    @Option(names = "--peak", paramLabel = "GFLOPS", description = "Use this fp32 peak for MFU instead of measuring a 1536³ product.") Double peak;
    @Option(names = "--profile", description = "Also time every kernel call by kind during the timed steps and print where a training step's time goes.") boolean profile;
    @Mixin Runtime runtime = new Runtime();
    @Option(names = "--json", description = "End with one JSON line: train_tokens_per_s, forward_tokens_per_s, generate_tokens_per_s, ms_per_step, mfu, peak_rss_mb, ...") boolean json;

    /** A warm step allocates nothing; more than this means some kernel still runs uncompiled. */
    static final long WARM_ALLOC = 256 << 10;

    @Override public Integer call() throws IOException {
        for (int[] v : new int[][] {{vocab}, {layers}, {heads}, {embd}, {block}, {batch}, {steps}, {genTokens}})
            if (v[0] <= 0) throw new UserError("bench sizes must be positive (vocab, layers, heads, embd, block, batch, steps, gen-tokens)");
        if (warmup < 0 || warmupSeconds < 0) throw new UserError("--warmup and --warmup-seconds must be >= 0");
        if (embd % heads != 0) throw new UserError("--embd " + embd + " is not divisible by --heads " + heads);
        long params = 1L * layers * 12 * embd * embd + 1L * vocab * embd;
        if (params > Integer.MAX_VALUE - 8) throw new UserError("a model of ~" + params + " parameters does not fit one Java array: make it smaller");

        Kernels k = runtime.kernels();
        TimedKernels timed = profile ? new TimedKernels(k) : null;
        if (timed != null) k = timed;
        int threads = runtime.kernelsName().equals("naive") ? 1 : Parallel.threads();
        Config cfg = Config.gpt2(vocab, block, layers, heads, embd);
        GPT model = new GPT(cfg, DType.F32, k).initGpt2(1337);
        int B = batch, T = block, N = B * T;
        // the trainer's own step on one batch of random tokens: AdamW, constant lr, clip_grad_norm(1.0)
        double lr = 1e-4;
        TrainConfig tc = new TrainConfig(B, T, steps, 1, "adamw", lr, lr, 0.9, 0.95, 1e-8, 0.1, 0, "constant", 0, 1.0,
                0, "random", 0, 0, 0, 42);
        TrainStep step = new TrainStep(model, new AdamW(model, tc.beta1(), tc.beta2(), tc.eps(), tc.weightDecay(), true),
                tc.scheduleFn(), tc.clip());
        OneBatch data = new OneBatch(N, vocab);
        LocalGradients grads = new LocalGradients(model, tc, runtime.replicas(B, model.layout.total), data, () -> data);
        long[][] rows = {new long[B]};
        data.nextStarts(rows[0]);

        // The peak is measured before and after the run and the better median kept: on a shared machine a
        // single measurement can land in a busy moment and make MFU look better than it is.
        double peakBefore = peak != null ? peak : runtime.peakFlops() / 1e9;

        // ---- training: zero_grad + forward + backward + clip_grad_norm(1.0) + AdamW, as `jgpt train` does
        // Until C2 has compiled them, Vector API kernels run boxed: slow, and allocating. A compiled step
        // allocates nothing, so warm up by count, by time, and until a step allocates (almost) nothing;
        // on a loaded machine the JIT threads get little CPU and this takes longer.
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long maxWarmupNanos = (long) (maxWarmupSeconds * 1e9);
        int warmed = 0;
        long w0 = System.nanoTime(), stepAlloc = Long.MAX_VALUE;
        while (warmed < warmup || System.nanoTime() - w0 < warmupSeconds * 1e9
                || (stepAlloc > WARM_ALLOC && System.nanoTime() - w0 < maxWarmupNanos)) {
            long a0 = mx.getTotalThreadAllocatedBytes();
            step.take(grads, 0, rows);
            stepAlloc = mx.getTotalThreadAllocatedBytes() - a0;
            warmed++;
        }
        if (timed != null) timed.reset();
        long gc0 = gcCount(), alloc0 = mx.getTotalThreadAllocatedBytes();
        double[] ms = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            step.take(grads, 0, rows);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        long allocBytes = mx.getTotalThreadAllocatedBytes() - alloc0, gcs = gcCount() - gc0;
        double totalMs = Arrays.stream(ms).sum();
        // snapshot now: forward-only and generation below run through the same kernels
        long[] kindNanos = new long[TimedKernels.Kind.values().length];
        if (timed != null) for (TimedKernels.Kind kind : TimedKernels.Kind.values()) kindNanos[kind.ordinal()] = timed.nanos(kind);
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = median(sorted);
        double trainTps = N / (median / 1e3);

        // ---- forward only: logits and loss, no gradient (the peer's model(x, y) under no_grad)
        for (long f0 = System.nanoTime(), fa = Long.MAX_VALUE, i = 0;
             i < Math.min(warmup, 3) || (fa > WARM_ALLOC && System.nanoTime() - f0 < maxWarmupNanos); i++) {
            long a0 = mx.getTotalThreadAllocatedBytes();
            grads.validationLoss(rows);
            fa = mx.getTotalThreadAllocatedBytes() - a0;
        }
        double[] fms = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            grads.validationLoss(rows);
            fms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(fms);
        double fwdTps = N / (median(fms) / 1e3);

        // ---- generation: batch 1 with the KV cache (M = 1 products and cached attention need their own warm-up)
        Generator gen = new Generator(model);
        Sampler greedy = new Sampler(vocab, 0, 0, 1, 0);
        for (long g0 = System.nanoTime(), ga = Long.MAX_VALUE; System.nanoTime() - g0 < Math.max(1, warmupSeconds / 2) * 1e9
                || (ga > WARM_ALLOC && System.nanoTime() - g0 < maxWarmupNanos); ) {
            long a0 = mx.getTotalThreadAllocatedBytes();
            decode(gen, greedy, genTokens);
            ga = mx.getTotalThreadAllocatedBytes() - a0;
        }
        double rssMb = peakRssMb();                     // before the bandwidth probe allocates its own array
        // Each generation run is paired with a bandwidth probe right after it: the machine's bandwidth moves
        // by half from one minute to the next here, so a bound measured at another time says little.
        long bytesPerToken = Generator.weightBytesPerToken(model);
        BandwidthProbe probe = new BandwidthProbe();
        if (timed != null) timed.reset();
        double[] gens = new double[3], bws = new double[3], ofBound = new double[3];
        long genNanos = 0;
        for (int i = 0; i < gens.length; i++) {
            long g0 = System.nanoTime();
            gens[i] = decode(gen, greedy, genTokens);
            genNanos += System.nanoTime() - g0;
            bws[i] = probe.bytesPerSecond();
            ofBound[i] = gens[i] / (bws[i] / bytesPerToken);
        }
        long[] genKindNanos = new long[TimedKernels.Kind.values().length];
        if (timed != null) for (TimedKernels.Kind kind : TimedKernels.Kind.values()) genKindNanos[kind.ordinal()] = timed.nanos(kind);
        Arrays.sort(gens);
        Arrays.sort(bws);
        Arrays.sort(ofBound);
        double genTps = gens[1], bandwidth = bws[1], genBound = bandwidth / bytesPerToken, genOfBound = ofBound[1];

        // ---- FLOPs (the peer's formula: attention and matmuls, no LayerNorm/softmax), MFU, memory
        double fwdFlopsPerToken = jgpt.train.Trainer.flopsPerTokenForward(cfg, block);
        double trainFlopsPerToken = 3 * fwdFlopsPerToken;
        double achieved = trainFlopsPerToken * trainTps / 1e9;
        double peakG = peak != null ? peak : Math.max(peakBefore, runtime.peakFlops() / 1e9);
        boolean peakMeasured = peak == null;
        double mfu = achieved / peakG;

        System.out.printf("model    V=%d L=%d H=%d C=%d T=%d, %.1fM parameters; batch %d × %d tokens; %d thread%s, %s kernels, %d replica%s%n",
                vocab, layers, heads, embd, block, model.layout.total / 1e6, B, T, threads, threads == 1 ? "" : "s", runtime.kernelsName(),
                grads.shards(), grads.shards() == 1 ? "" : "s");
        System.out.printf("train    %.1f ms/step median (min %.1f, max %.1f) over %d steps after %d warm-up; %.0f tokens/s%n",
                median, sorted[0], sorted[steps - 1], steps, warmed, trainTps);
        System.out.printf("         step = forward + backward + clip_grad_norm(1.0) + AdamW (whose pass also zeroes the gradients for the next step)%n");
        if (stepAlloc > WARM_ALLOC)
            System.out.printf("         warning: the last warm-up step still allocated %,d bytes: the JIT had not finished (machine busy?), figures are pessimistic%n", stepAlloc);
        System.out.printf("forward  %.1f ms median; %.0f tokens/s (logits and loss)%n", median(fms), fwdTps);
        System.out.printf("generate %.1f tokens/s (batch 1, %d new tokens, KV cache; median of 3)%n", genTps, genTokens);
        System.out.printf("         bound %.1f tokens/s = %.1f GB/s read bandwidth / %,d weight bytes per token: %.0f%% of it%n",
                genBound, bandwidth / 1e9, bytesPerToken, 100 * genOfBound);
        System.out.printf("         (medians; the bandwidth is probed right after each generation run, and the %% is the median of the pairs)%n");
        System.out.printf("flops    %.3g per token forward, %.3g training; achieved %.1f GFLOP/s%n", fwdFlopsPerToken, trainFlopsPerToken, achieved);
        System.out.printf("mfu      %.1f%% of %.1f GFLOP/s (%s)%n", 100 * mfu, peakG,
                peakMeasured ? "measured: 1536³ matmul, " + threads + " thread" + (threads == 1 ? "" : "s") + ", better of before/after" : "given with --peak");
        System.out.printf("memory   peak RSS %.0f MB; %d bytes allocated per timed step, %d GCs during them%n",
                rssMb, allocBytes / steps, gcs);
        ObjectNode prof = new ObjectMapper().createObjectNode();
        if (timed != null) {
            System.out.printf("profile  where a training step's time goes (mean of %d timed steps, %.1f ms/step):%n", steps, totalMs / steps);
            if (grads.shards() > 1)
                System.out.printf("         (the kernels of replica 0 of %d; the others run theirs at the same time, so waiting for%n"
                        + "         them counts as outside kernels; the all-reduce is in residual adds)%n", grads.shards());
            printKinds(prof, kindNanos, steps, totalMs / steps, "outside kernels (embedding, copies, zeroing)", 0);
            // generation: the mat-vecs read every weight once per token, so their own rate says how close
            // to the bandwidth bound they run; the rest is what decoding spends besides reading weights
            long genTokensRun = (long) gens.length * genTokens;
            double tokMs = genNanos / 1e6 / genTokensRun;
            System.out.printf("profile  where a generated token's time goes (%d tokens, %.3f ms/token):%n", genTokensRun, tokMs);
            printKinds(prof.putObject("generate_ms_per_token"), genKindNanos, genTokensRun, tokMs,
                    "outside kernels (embedding, sampling, copies)", bytesPerToken);
        }
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("vocab", vocab).put("layers", layers).put("heads", heads).put("embd", embd).put("block", block).put("batch", batch);
            o.put("threads", threads).put("kernels", runtime.kernelsName()).put("replicas", grads.shards()).put("parameters", model.layout.total);
            o.put("train_tokens_per_s", trainTps).put("forward_tokens_per_s", fwdTps).put("generate_tokens_per_s", genTps);
            o.put("ms_per_step", median).put("ms_per_step_min", sorted[0]).put("ms_per_step_max", sorted[steps - 1]);
            o.put("flops_per_token", fwdFlopsPerToken).put("train_flops_per_token", trainFlopsPerToken);
            o.put("achieved_gflops", achieved).put("peak_gflops", peakG).put("peak_measured", peakMeasured).put("mfu", mfu);
            o.put("peak_rss_mb", rssMb).put("alloc_bytes_per_step", allocBytes / steps).put("gc_during_steps", gcs);
            o.put("warmup_steps", warmed).put("warm", stepAlloc <= WARM_ALLOC);
            o.put("generator", "kv-cache").put("generate_bound_tokens_per_s", genBound).put("read_bandwidth_gb_s", bandwidth / 1e9)
                    .put("weight_bytes_per_token", bytesPerToken).put("generate_of_bound", genOfBound);
            if (timed != null) o.set("profile_ms_per_step", prof);
            System.out.println(new ObjectMapper().writeValueAsString(o));
        }
        return 0;
    }

    /** The bench's data: one batch of random tokens and random targets (B·T each), every step's rows. */
    private static final class OneBatch implements BatchSource {
        private final int[] x, y;

        OneBatch(int n, int vocab) {
            x = new int[n];
            y = new int[n];
            Random rnd = new Random(42);
            for (int i = 0; i < n; i++) { x[i] = rnd.nextInt(vocab); y[i] = rnd.nextInt(vocab); }
        }

        @Override public void next(int[] x, int[] y) { read(null, x, y); }
        @Override public void nextStarts(long[] starts) { Arrays.fill(starts, 0); }
        @Override public void read(long[] starts, int[] x, int[] y) {
            System.arraycopy(this.x, 0, x, 0, x.length);
            System.arraycopy(this.y, 0, y, 0, y.length);
        }
        @Override public long[] state() { return new long[0]; }
        @Override public void restore(long[] state) { }
    }

    /**
     * Prints each kind's ms per unit (a step, a token) and its share of msPerUnit, and what is left as
     * outside kernels; records them in {@code into}. weightBytes > 0: also the GB/s the products stream.
     */
    private static void printKinds(ObjectNode into, long[] nanos, long units, double msPerUnit, String outside, long weightBytes) {
        double inKernels = 0;
        for (TimedKernels.Kind kind : TimedKernels.Kind.values()) {
            double msPer = nanos[kind.ordinal()] / 1e6 / units;
            inKernels += msPer;
            if (msPer == 0) continue;
            into.put(kind.name().toLowerCase(), msPer);
            String extra = weightBytes > 0 && kind == TimedKernels.Kind.MATMUL
                    ? String.format("  (%.1f GB/s of weights)", weightBytes / (msPer / 1e3) / 1e9) : "";
            System.out.printf("         %-44s %9.3f ms %5.1f%%%s%n", kind.label, msPer, 100 * msPer / msPerUnit, extra);
        }
        double rest = msPerUnit - inKernels;
        into.put("outside_kernels", rest);
        System.out.printf("         %-44s %9.3f ms %5.1f%%%n", outside, rest, 100 * rest / msPerUnit);
    }

    /**
     * Greedy decoding tokens/s at batch 1 through the KV cache (as Generator.tokensPerSecond, but on one
     * Generator kept across calls, so a warm call allocates nothing): from token 0, restarting the cache
     * when the context is full (steady-state speed, not the cost of sliding).
     */
    private static double decode(Generator g, Sampler s, int n) {
        int tok = 0;
        g.reset();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int pos = i % g.maxT;
            if (pos == 0) g.reset();
            tok = s.sample(g.step(tok, pos));
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Read bandwidth in bytes/s: a vectorised sum of squares over 256 MB on all pool threads, best of a few.
     * Decoding one token reads every weight once, so this over the weight bytes bounds generation.
     */
    static final class BandwidthProbe {
        private final int n = 64 << 20;                 // 256 MB of floats: far beyond the caches
        private final Tensor t = Tensor.wrap("bandwidth probe", new float[n], n);
        private final Kernels k = new jgpt.tensor.FastKernels();

        BandwidthProbe() {
            t.fill(1);
            for (int rep = 0; rep < 2; rep++) k.sumSquares(t, n);    // compiled, and the pages touched
        }

        /** Best of three passes now. */
        double bytesPerSecond() {
            double best = 0;
            for (int rep = 0; rep < 3; rep++) {
                long t0 = System.nanoTime();
                k.sumSquares(t, n);
                best = Math.max(best, 4.0 * n / ((System.nanoTime() - t0) / 1e9));
            }
            return best;
        }
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, gc.getCollectionCount());
        return n;
    }

    /** VmHWM (peak resident set) of this process in MB, or NaN where /proc is not available. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        } catch (IOException | NumberFormatException ignored) { }
        return Double.NaN;
    }
}
