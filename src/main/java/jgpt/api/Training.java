package jgpt.api;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;
import jgpt.InvalidSetting;
import jgpt.data.BatchSource;
import jgpt.data.Batches;
import jgpt.data.Dataset;
import jgpt.data.Datasets;
import jgpt.data.TokenFile;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.KernelSets;
import jgpt.tensor.Kernels;
import jgpt.tensor.Parallel;
import jgpt.tokenizer.Tokenizer;
import jgpt.train.TrainConfig;
import jgpt.train.Trainer;

/**
 * A training run, the {@code train} command's loop ({@link jgpt.train.Trainer}) configured from Java:
 * <pre>{@code
 * Gpt trained = Training.builder()
 *     .data(Path.of("tinyshakespeare.txt"))
 *     .model(2, 2, 64)                      // or .model(Gpt.load(dir)) to fine-tune
 *     .optimizer("adamw", 1e-3).schedule("cosine", 10).steps(50)
 *     .onStep(m -> System.out.println(m.step() + " " + m.loss()))
 *     .checkpointDir(Path.of("runs/tiny"))
 *     .build().run();
 * }</pre>
 * The run directory gets what {@code jgpt train --out} writes: the model, checkpoint/, best/ and metrics.jsonl.
 */
public final class Training {
    private final Builder b;

    private Training(Builder b) { this.b = b; }

    /** A builder with the {@code train} command's defaults (batch 12, block 64, AdamW 1e-3, cosine, 100 warm-up steps). */
    public static Builder builder() { return new Builder(); }

    /** Trains for the configured steps; returns the trained model (also saved in the checkpoint directory). */
    public Gpt run() {
        Kernels kernels = b.base != null ? null : KernelSets.named(b.kernels, b.threads);
        TrainConfig tc = new TrainConfig(b.batch, b.block, b.steps, 1, b.optimizer, b.lr, b.minLr >= 0 ? b.minLr : b.lr / 10, 0.9, 0.99,
                1e-8, b.weightDecay, 0, b.schedule, b.warmup, b.clip, 0, "random", b.evalEvery, b.evalBatches, b.checkpointEvery, b.seed,
                b.muonLr, b.muonMomentum);
        String tokSpec = b.tokenizer;
        if (tokSpec == null && b.base != null) {            // fine-tuning: the model's own tokens
            Path f = b.base.directory().resolve(jgpt.tokenizer.Tokenizers.FILE);
            tokSpec = java.nio.file.Files.isRegularFile(f) ? f.toString() : b.base.tokenizerKind().equals("gpt2") ? "gpt2" : null;
        }
        Dataset d = Datasets.resolve(b.data, tokSpec, null);
        TokenFile train = d.openTrain(), val = d.openVal();
        Tokenizer tok = d.tokenizer();

        GPT model;
        if (b.base != null) model = b.base.engine();
        else {
            int vocab = tok != null ? tok.vocabSize() : train.maxToken() + 1;
            model = new GPT(Config.gpt2(vocab, b.block, b.layers, b.heads, b.embd), DType.F32, kernels).initGpt2(b.seed);
        }
        if (train.maxToken() >= model.cfg.vocab())
            throw new InvalidSetting("data", "data " + train.path() + " holds token id " + train.maxToken() + " but the model's vocabulary is " + model.cfg.vocab());
        BatchSource batches = Batches.create(tc.sampling(), train, tc.batch(), tc.block(), tc.seed());
        Supplier<BatchSource> valBatches = val == null ? null : () -> Batches.random(val, tc.batch(), tc.block(), 0xE7A1L);
        double peak = KernelSets.peakFlops(model.k, b.threads);
        Trainer trainer = new Trainer(model, tok, tc, batches, valBatches, b.dir, peak, b.log);
        trainer.onStep(m -> b.onStep.accept(new StepMetrics(m.get("step").asLong(), m.get("loss").asDouble(), m.get("lr").asDouble(),
                m.get("grad_norm").asDouble(), m.get("ms").asDouble(), m.get("tokens_per_s").asDouble(),
                m.has("val_loss") ? m.get("val_loss").asDouble() : Double.NaN)));
        trainer.run();
        return new Gpt(model, tok != null ? tok : b.base.tokenizer(), b.dir);
    }

    /** Settings of a {@link Training}; each is named like the {@code train} flag it matches. */
    public static final class Builder {
        private String data, tokenizer, optimizer = "adamw", schedule = "cosine", kernels = "auto";
        private Gpt base;
        private int layers = 4, heads = 4, embd = 128;
        private int batch = 12, block = 64, steps = 2000, warmup = 100, evalEvery = 250, evalBatches = 20, checkpointEvery = 500;
        private int threads = Parallel.defaultThreads();
        private double lr = 1e-3, minLr = -1, weightDecay = 0.1, clip = 1.0;
        private double muonLr = TrainConfig.MUON_LR, muonMomentum = TrainConfig.MUON_MOMENTUM;
        private long seed = 1337;
        private Path dir;
        private Consumer<StepMetrics> onStep = m -> { };
        private PrintStream log = new PrintStream(OutputStream.nullOutputStream());

        private Builder() {}

        /** A UTF-8 text file, a prepared directory (train.bin, val.bin), a token file, or synthetic:copy|reverse|sort|addition. */
        public Builder data(String spec) { data = spec; return this; }
        public Builder data(Path file) { return data(file.toString()); }
        /** For text data: char, gpt2, or a tokenizer.json (default: char, or the fine-tuned model's own). */
        public Builder tokenizer(String spec) { tokenizer = spec; return this; }
        /** A new GPT-2-shaped model (pre-LN, GELU, learned positions, tied output) of this size, context = block. */
        public Builder model(int layers, int heads, int embd) { this.layers = layers; this.heads = heads; this.embd = embd; base = null; return this; }
        /** Fine-tune this model in place (it keeps its kernels and tokenizer). */
        public Builder model(Gpt model) { base = model; return this; }
        /** sgd | adam | adamw | muon, and the peak learning rate (with muon: AdamW's, for embeddings, head, gains and biases). */
        public Builder optimizer(String name, double lr) { optimizer = name; this.lr = lr; return this; }
        public Builder weightDecay(double wd) { weightDecay = wd; return this; }
        /** With optimizer "muon": the peak learning rate and momentum of the blocks' weight matrices (default 0.02, 0.95). */
        public Builder muon(double lr, double momentum) { muonLr = lr; muonMomentum = momentum; return this; }
        /** constant | cosine, with linear warm-up over {@code warmup} steps; cosine decays to lr/10. */
        public Builder schedule(String kind, int warmup) { schedule = kind; this.warmup = warmup; return this; }
        public Builder minLr(double v) { minLr = v; return this; }
        public Builder steps(int n) { steps = n; return this; }
        /** Sequences per batch. */
        public Builder batch(int b) { batch = b; return this; }
        /** Tokens per sequence. */
        public Builder block(int t) { block = t; return this; }
        /** Global gradient-norm clip, 0 = off. */
        public Builder clip(double c) { clip = c; return this; }
        public Builder seed(long s) { seed = s; return this; }
        /** Validate every n steps on this many batches (0 = never). */
        public Builder evaluate(int every, int batches) { evalEvery = every; evalBatches = batches; return this; }
        /** Checkpoint every n steps (0 = only at the end). */
        public Builder checkpointEvery(int n) { checkpointEvery = n; return this; }
        /** Kernels for a new model: auto | blas | java | naive, on this many worker threads. */
        public Builder kernels(String name, int threads) { kernels = name; this.threads = threads; return this; }
        /** Called after every step. */
        public Builder onStep(Consumer<StepMetrics> f) { onStep = f; return this; }
        /** Where the model, checkpoints and metrics.jsonl go (required). */
        public Builder checkpointDir(Path dir) { this.dir = dir; return this; }
        /** Where the progress lines go (default: nowhere). */
        public Builder log(PrintStream out) { log = out; return this; }

        public Training build() {
            if (data == null) throw new InvalidSetting("data", "data is required: a text file, a prepared directory or a token file");
            if (dir == null) throw new InvalidSetting("out", "out (the checkpoint directory) is required");
            if (jgpt.train.Checkpoint.find(dir) != null) throw new InvalidSetting("out", "out " + dir + " already holds a run: choose another directory");
            return new Training(this);
        }
    }
}
