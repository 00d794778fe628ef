package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import jgpt.UserError;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.Generator;
import jgpt.tensor.DType;
import jgpt.tensor.Kernels;
import jgpt.tensor.Peak;
import jgpt.train.AdamW;
import jgpt.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jgpt bench}: training, forward and generation speed of a GPT-2-architecture model on random tokens,
 * with the same flags and FLOP count as the PyTorch peer (shared/peers/torch_gpt.py), so the two can be run
 * alternately and compared as ratios.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure ms per training step (forward + backward + AdamW), training/forward/generation tokens/s,",
                "achieved GFLOP/s and MFU against this machine's measured fp32 matrix-product peak, and peak memory.",
                "Example (config A): ./jgpt bench --vocab 65 --layers 4 --heads 4 --embd 128 --block 64 --batch 12 --steps 20 --threads 2"})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--vocab", description = "Vocabulary V (default 65).") int vocab = 65;
    @Option(names = "--layers", description = "Layers L (default 4).") int layers = 4;
    @Option(names = "--heads", description = "Heads H (default 4).") int heads = 4;
    @Option(names = "--embd", description = "Width C (default 128).") int embd = 128;
    @Option(names = "--block", description = "Sequence length T (default 64).") int block = 64;
    @Option(names = "--batch", description = "Batch B (default 12).") int batch = 12;
    @Option(names = "--steps", description = "Timed training steps after 3 warm-up steps (default 20).") int steps = 20;
    @Option(names = "--gen-tokens", description = "New tokens for the generation measurement (default 128).") int genTokens = 128;
    @Option(names = "--json", description = "Print a JSON object with every figure as the last line.") boolean json;
    @Mixin Runtime runtime = new Runtime();

    @Override public Integer call() {
        if (vocab <= 0 || layers <= 0 || heads <= 0 || embd <= 0 || block <= 0 || batch <= 0 || steps <= 0 || genTokens <= 0)
            throw new UserError("every size and count must be positive");
        if (embd % heads != 0) throw new UserError("--embd " + embd + " is not divisible by --heads " + heads);
        Kernels k = runtime.kernels();
        int threads = runtime.threads();
        var out = System.out;
        Config cfg = Config.gpt2(vocab, block, layers, heads, embd);
        GPT model = new GPT(cfg, DType.F32, k).initGpt2(1337);
        AdamW opt = new AdamW(model, 0.9, 0.99, 1e-8, 0.1, true);
        int N = batch * block;
        int[] x = new int[N], y = new int[N];
        Random r = new Random(1);
        for (int i = 0; i < N; i++) { x[i] = r.nextInt(vocab); y[i] = r.nextInt(vocab); }
        out.printf(Locale.ROOT, "config: L=%d H=%d C=%d V=%d T=%d B=%d threads=%d kernels=%s, %,d parameters%n",
                layers, heads, embd, vocab, block, batch, threads, runtime.kernels, model.layout.total);

        // ---- training steps
        double[] ms = new double[steps];
        for (int i = -3; i < steps; i++) {
            long t0 = System.nanoTime();
            model.zeroGrad();
            model.forward(x, y, batch, block);
            model.backward();
            opt.step(1e-4);
            if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double[] train = stats(ms);
        // ---- forward only (the loss, no gradient), the same shape
        int fsteps = Math.max(steps, 10);
        double[] fms = new double[fsteps];
        for (int i = -2; i < fsteps; i++) {
            long t0 = System.nanoTime();
            model.loss(x, y, batch, block);
            if (i >= 0) fms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double[] fwd = stats(fms);
        // ---- generation at batch 1 with the KV cache
        double genTps = Generator.tokensPerSecond(model, genTokens);
        long bytesPerToken = Generator.weightBytesPerToken(model);
        double rssMb = peakRssMb();                     // before the bandwidth and peak probes allocate their own arrays
        double bandwidth = copyBandwidth();
        double genBound = bandwidth / bytesPerToken;
        // ---- the machine's matmul peak
        Peak.Result peak = Peak.measure(1536, 5);

        long fwdFlopsPerToken = Trainer.flopsPerTokenForward(cfg, block);
        double trainTps = N / (train[0] / 1e3), fwdTps = N / (fwd[0] / 1e3);
        double trainGflops = 3.0 * fwdFlopsPerToken * trainTps / 1e9, fwdGflops = fwdFlopsPerToken * fwdTps / 1e9;
        double mfu = trainGflops / peak.medianGflops();

        out.printf(Locale.ROOT, "train step (fwd+bwd+AdamW): median %.2f ms  min %.2f  max %.2f  (n=%d)  %,.0f tok/s, %.1f GFLOP/s%n",
                train[0], train[1], train[2], steps, trainTps, trainGflops);
        out.printf(Locale.ROOT, "forward only:                median %.2f ms  min %.2f  max %.2f  (n=%d)  %,.0f tok/s, %.1f GFLOP/s%n",
                fwd[0], fwd[1], fwd[2], fsteps, fwdTps, fwdGflops);
        out.printf(Locale.ROOT, "generation (batch 1, KV cache, %d tokens): %,.1f tok/s; bound %,.1f tok/s = %.1f GB/s copy bandwidth / %,d weight bytes per token (%.0f%%)%n",
                genTokens, genTps, genBound, bandwidth / 1e9, bytesPerToken, 100 * genTps / genBound);
        out.printf(Locale.ROOT, "model FLOPs per token: %,d forward, %,d training%n", fwdFlopsPerToken, 3 * fwdFlopsPerToken);
        out.printf(Locale.ROOT, "fp32 matmul peak (1536³, %d threads): %.1f GFLOP/s  ->  MFU %.1f%%%n", peak.threads(), peak.medianGflops(), 100 * mfu);
        out.printf(Locale.ROOT, "peak RSS: %.0f MiB%n", rssMb);
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("layers", layers).put("heads", heads).put("embd", embd).put("vocab", vocab).put("block", block).put("batch", batch)
                    .put("threads", threads).put("kernels", runtime.kernels).put("params", model.layout.total);
            o.put("ms_per_step", train[0]).put("ms_per_step_min", train[1]).put("ms_per_step_max", train[2]);
            o.put("train_tokens_per_s", trainTps).put("forward_ms", fwd[0]).put("forward_tokens_per_s", fwdTps);
            o.put("generate_tokens_per_s", genTps).put("generate_bound_tokens_per_s", genBound).put("copy_bandwidth_gb_s", bandwidth / 1e9)
                    .put("weight_bytes_per_token", bytesPerToken);
            o.put("fwd_flops_per_token", fwdFlopsPerToken).put("train_gflops", trainGflops).put("forward_gflops", fwdGflops);
            o.put("peak_gflops", peak.medianGflops()).put("mfu", mfu).put("peak_rss_mb", rssMb);
            out.println(o);
        }
        return 0;
    }

    /** median, min, max. */
    static double[] stats(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return new double[] {med, s[0], s[s.length - 1]};
    }

    /** Bytes per second of a large array copy (read + write counted as the bytes read), best of a few. */
    static double copyBandwidth() {
        int n = 64 << 20;                               // 256 MB of floats: far beyond the caches
        float[] a = new float[n], b = new float[n];
        Arrays.fill(a, 1f);
        double best = 0;
        for (int rep = 0; rep < 5; rep++) {
            long t0 = System.nanoTime();
            System.arraycopy(a, 0, b, 0, n);
            best = Math.max(best, 4.0 * n / ((System.nanoTime() - t0) / 1e9));
        }
        return best;
    }

    /** VmHWM of this process, MiB (Linux); NaN elsewhere. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        } catch (Exception ignored) { /* not Linux */ }
        return Double.NaN;
    }
}
