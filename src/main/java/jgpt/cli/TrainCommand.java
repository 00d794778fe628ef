package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jgpt.UserError;
import jgpt.data.BatchSource;
import jgpt.data.Batches;
import jgpt.data.Dataset;
import jgpt.data.Datasets;
import jgpt.data.TokenFile;
import jgpt.io.ModelStore;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.Generator;
import jgpt.model.Sampler;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;
import jgpt.train.Checkpoint;
import jgpt.train.NonFiniteStep;
import jgpt.train.RunLock;
import jgpt.train.TrainConfig;
import jgpt.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jgpt train}: from data to a trained model directory, with checkpoints and resume. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a GPT by next-token prediction and save it (with checkpoints) in --out.",
                "Example (nanoGPT's Shakespeare, char level):",
                "  ./jgpt train --recipe shakespeare-char --data ../shared/data/tinyshakespeare.txt --out runs/shakespeare"})
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--data", description = "tinyshakespeare | a UTF-8 .txt file | a prepared dir (train.bin, val.bin) | a token file | synthetic:copy|reverse|sort|addition")
    String data;
    @Option(names = "--val-data", description = "Token file for validation when --data is a single token file.") Path valData;
    @Option(names = "--tokenizer", description = "For text data: char, gpt2, or a tokenizer.json (default: char with the shakespeare-char recipe, else gpt2).") String tokenizer;
    @Option(names = "--cache", description = "Where downloads and tokenized text are cached (default $JGPT_CACHE or ~/.cache/jgpt).") Path cache;
    @Mixin ConfigFile configFile = new ConfigFile();   // --config, --recipe, --print-config: flags from JSON files (expanded in Main)

    // ---- the model
    @Option(names = "--init", description = "Start from this model directory (config.json + model.safetensors) or llm.c checkpoint file.") Path init;
    @Option(names = "--preset", description = "Architecture preset: ${COMPLETION-CANDIDATES}", completionCandidates = Presets.class) String preset;
    @Mixin ModelShape shape = new ModelShape();

    // ---- the run
    @Option(names = "--batch", description = "Sequences per micro-batch B (default 12).") Integer batch;
    @Option(names = "--block", description = "Tokens per sequence T (default 64, at most the model's context).") Integer block;
    @Option(names = "--steps", description = "Optimizer steps (default 2000).") Integer steps;
    @Option(names = "--grad-accum", description = "Micro-batches per step (default 1).") Integer gradAccum;
    @Option(names = "--optimizer", description = "sgd | adam | adamw | muon (default adamw). muon: Muon on the blocks' weight matrices, AdamW (--lr) on the rest.") String optimizer;
    @Option(names = "--lr", description = "Peak learning rate (default 1e-3).") Double lr;
    @Option(names = "--min-lr", description = "Final learning rate of the cosine schedule (default lr/10).") Double minLr;
    @Option(names = "--beta1", description = "Adam β1 (default 0.9).") Double beta1;
    @Option(names = "--beta2", description = "Adam β2 (default 0.99).") Double beta2;
    @Option(names = "--eps", description = "Adam ε (default 1e-8).") Double eps;
    @Option(names = "--weight-decay", description = "Weight decay on matrices (default 0.1).") Double weightDecay;
    @Option(names = "--momentum", description = "SGD momentum (default 0).") Double momentum;
    @Option(names = "--muon-lr", description = "Muon's peak learning rate for the blocks' matrices; the schedule scales it like --lr (default 0.02).") Double muonLr;
    @Option(names = "--muon-momentum", description = "Muon's (Nesterov) momentum (default 0.95).") Double muonMomentum;
    @Option(names = "--schedule", description = "constant | cosine (default cosine).") String schedule;
    @Option(names = "--warmup", description = "Linear warm-up steps (default 100).") Integer warmup;
    @Option(names = "--clip", description = "Global gradient-norm clip, 0 = off (default 1.0).") Double clip;
    @Option(names = "--dropout", description = "Dropout probability (default 0).") Double dropout;
    @Option(names = "--sampling", description = "random | sequential batches (default random).") String sampling;
    @Option(names = "--eval-every", description = "Validate every N steps, 0 = never (default 250).") Integer evalEvery;
    @Option(names = "--eval-batches", description = "Batches per validation (default 20).") Integer evalBatches;
    @Option(names = "--checkpoint-every", description = "Checkpoint every N steps, 0 = only at the end (default 500).") Integer checkpointEvery;
    @Option(names = "--seed", description = "Seed for initialisation, batches and dropout (default 1337).") Long seed;

    @Option(names = "--out", description = "Run directory for the model, checkpoints and metrics.jsonl (default runs/<time>).") Path out;
    @Option(names = "--resume", description = "Continue the run in this directory from its last checkpoint.") Path resume;
    @Option(names = "--on-nonfinite", description = "stop (default): a NaN/Inf loss or gradient ends the run with an error, the last checkpoint kept | "
            + "skip: drop that step's update and mark it \"skipped\" in metrics.jsonl.") String onNonFinite = "stop";
    @Option(names = "--sample", description = "Tokens to sample from the trained model at the end (default 0; 500 with the recipe).") Integer sample;
    @Option(names = "--peak-gflops", description = "fp32 peak assumed for MFU (default: measured at start).") Double peakGflops;
    @Mixin Runtime runtime = new Runtime();
    @Mixin ClusterOptions cluster = new ClusterOptions();
    @Mixin LiveRun live = new LiveRun();
    @Option(names = "--json", description = "Print a JSON summary as the last line.") boolean json;

    /** The given value, else the general default (recipes arrive as flags: recipes/NAME.json, see ConfigFile). */
    private static <T> T pick(T given, T general) {
        return given != null ? given : general;
    }

    @Override public Integer call() throws Exception {
        if (resume != null) {
            Checkpoint.readState(resume);          // a clear error for a directory without a run
            RunInfo info = RunInfo.read(resume);
            runtime.inherit(info.kernels(), info.replicas());   // before the kernels are made: a run's bits depend on both
        }
        var kernels = runtime.kernels();
        if (!onNonFinite.equals("stop") && !onNonFinite.equals("skip")) throw new UserError("--on-nonfinite must be stop or skip, got '" + onNonFinite + "'");
        if (resume != null) {
            try (var lock = RunLock.acquire(resume)) { return resumeRun(kernels); }
        }
        if (data == null) throw new UserError("--data is required: a text file, a prepared directory, a token file, tinyshakespeare, or synthetic:NAME");

        TrainConfig tc = new TrainConfig(pick(batch, 12), pick(block, 64), pick(steps, 2000), pick(gradAccum, 1),
                pick(optimizer, "adamw"), pick(lr, 1e-3), 0, pick(beta1, 0.9), pick(beta2, 0.99),
                pick(eps, 1e-8), pick(weightDecay, 0.1), pick(momentum, 0.0), pick(schedule, "cosine"),
                pick(warmup, 100), pick(clip, 1.0), pick(dropout, 0.0), pick(sampling, "random"),
                pick(evalEvery, 250), pick(evalBatches, 20), pick(checkpointEvery, 500), pick(seed, 1337L),
                pick(muonLr, TrainConfig.MUON_LR), pick(muonMomentum, TrainConfig.MUON_MOMENTUM));
        double minLrV = minLr != null ? minLr : tc.lr() / 10;
        tc = withMinLr(tc, minLrV);
        Path runDir = out != null ? out : Path.of("runs", java.time.LocalDateTime.now().toString().replace(':', '-').replaceAll("\\..*", ""));
        if (Files.isDirectory(runDir)) RunLock.acquire(runDir).close();    // in use: name the trainer (a new run directory is locked once made)
        return startRun(tc, runDir, kernels);
    }

    private int startRun(TrainConfig tc, Path runDir, jgpt.tensor.Kernels kernels) throws Exception {
        var log = System.out;
        if (Checkpoint.find(runDir) != null)
            throw new UserError(runDir + " already holds a run: continue it with --resume " + runDir + ", or choose another --out");

        // ---- data and tokenizer
        DataSet ds = openData(tc);
        // ---- model
        GPT model = buildModel(ds, tc, kernels);
        Files.createDirectories(runDir);
        try (var lock = RunLock.acquire(runDir)) {
            RunInfo.write(runDir, new RunInfo(data, valData == null ? null : valData.toString(), ds.tokenizerSpec, runtime.threads(),
                    runtime.kernelsName(), runtime.replicas(tc.batch(), model.layout.total)));
            log.printf("model: %s, %,d parameters%n", describe(model.cfg), model.layout.total);
            log.printf("data: %s (%,d train tokens%s)%n", ds.train.path(), ds.train.size(), ds.val == null ? ", no validation split" : String.format(", %,d val tokens", ds.val.size()));
            return train(model, ds, tc, runDir, false);
        }
    }

    private static TrainConfig withMinLr(TrainConfig t, double minLr) {
        return new TrainConfig(t.batch(), t.block(), t.steps(), t.gradAccum(), t.optimizer(), t.lr(), minLr, t.beta1(), t.beta2(), t.eps(),
                t.weightDecay(), t.momentum(), t.schedule(), t.warmup(), t.clip(), t.dropout(), t.sampling(), t.evalEvery(), t.evalBatches(),
                t.checkpointEvery(), t.seed(), t.muonLr(), t.muonMomentum());
    }

    private int resumeRun(jgpt.tensor.Kernels kernels) throws Exception {
        Checkpoint.State s = Checkpoint.readState(resume);
        RunInfo info = RunInfo.read(resume);
        TrainConfig tc = s.train();
        if (steps != null || lr != null || minLr != null || muonLr != null)     // a longer run, or a lower rate after a NaN
            tc = new TrainConfig(tc.batch(), tc.block(), steps != null ? steps : tc.steps(), tc.gradAccum(), tc.optimizer(),
                lr != null ? lr : tc.lr(), minLr != null ? minLr : lr != null ? Math.min(tc.minLr(), lr) : tc.minLr(), tc.beta1(), tc.beta2(),
                tc.eps(), tc.weightDecay(), tc.momentum(), tc.schedule(), tc.warmup(), tc.clip(), tc.dropout(), tc.sampling(), tc.evalEvery(),
                tc.evalBatches(), tc.checkpointEvery(), tc.seed(), muonLr != null ? muonLr : tc.muonLr(), tc.muonMomentum());
        if (info.kernels() != null && !runtime.kernelsName().equals(info.kernels()))
            System.err.printf("jgpt: note: resuming with %s kernels, the run used %s: losses will differ in the last bits%n", runtime.kernelsName(), info.kernels());
        data = info.data();
        valData = info.valData() == null ? null : Path.of(info.valData());
        tokenizer = info.tokenizer();
        DataSet ds = openData(tc);
        Config cfg = ModelStore.readConfig(Checkpoint.find(resume));
        MemoryCheck.checkTraining(cfg, tc.batch(), tc.block(), runtime.replicas(tc.batch(), new jgpt.model.ParamLayout(cfg).total), tc.optimizer(), tc.dropout() > 0);
        checkTokens(ds, cfg);      // the data may have changed since the run began
        GPT model = new GPT(cfg, jgpt.tensor.DType.F32, kernels);
        return train(model, ds, tc, resume, true);
    }

    private int train(GPT model, DataSet ds, TrainConfig tc, Path runDir, boolean resuming) throws Exception {
        BatchSource trainBatches = Batches.create(tc.sampling(), ds.train, tc.batch(), tc.block(), tc.seed());
        java.util.function.Supplier<BatchSource> val = ds.val == null ? null : () -> Batches.random(ds.val, tc.batch(), tc.block(), 0xE7A1L);
        double peak = peakGflops != null ? peakGflops * 1e9 : runtime.peakFlops();
        Trainer trainer = new Trainer(model, ds.tokenizer, tc, trainBatches, val, runDir, peak, System.out)
                .shards(runtime.replicas(tc.batch(), model.layout.total)).skipNonFinite(onNonFinite.equals("skip"));
        if (resuming && !cluster.on()) {   // with --spark the split is --workers, not replicas
            RunInfo info = RunInfo.read(runDir);
            if (info.replicas() > 0 && info.replicas() != trainer.shards())
                System.err.printf("jgpt: note: resuming with the batch split over %d replicas, the run used %d: losses will differ in the last bits%n",
                        trainer.shards(), info.replicas());
        }
        int threads = runtime.kernelThreads();
        if (!cluster.on()) System.out.printf("compute: %d thread%s, %s kernels, batch split over %d replica%s%n", threads, threads == 1 ? "" : "s",
                runtime.kernelsName(), trainer.shards(), trainer.shards() == 1 ? "" : "s");
        var remote = cluster.open(model, runtime.kernelsName(), tc, ds.train, ds.val, runDir);   // null: this machine
        if (remote != null) trainer.gradients(remote);
        if (resuming) trainer.resume();
        live.attach(trainer, model, ds.tokenizer, tc, runDir, resuming);
        try {
            trainer.run();
        } catch (NonFiniteStep e) {
            throw new UserError(String.format("%s: continue with --resume %s --lr %.3g (lower), or rerun with --clip 1 or --on-nonfinite skip",
                    e.what(), e.runDir, e.lowerLr));
        } finally {
            if (remote != null) remote.close();
        }
        if (trainer.step() < tc.steps()) System.out.printf("continue with: jgpt train --resume %s%n", runDir);
        ObjectNode summary = new ObjectMapper().createObjectNode();
        summary.put("out", runDir.toString());
        summary.put("steps", trainer.step());
        summary.put("loss", trainer.lastLoss());
        if (!Double.isNaN(trainer.lastValLoss())) summary.put("val_loss", trainer.lastValLoss());
        int n = pick(sample, 0);
        if (n > 0 && ds.tokenizer != null && trainer.step() == tc.steps()) {
            System.out.println("---- sample ----");
            var out = new java.io.PrintStream(System.out, false, java.nio.charset.StandardCharsets.UTF_8);
            var stream = new jgpt.tokenizer.TextStreamer(ds.tokenizer, out);
            int[] prompt = Tokenizers.defaultPrompt(ds.tokenizer);
            new Generator(model).generate(prompt, n, new Sampler(ds.tokenizer.vocabSize(), 0.8, 200, 1.0, tc.seed()), stream::accept);
            stream.finish();
            out.println();
            out.flush();
            String text = stream.text();
            System.out.println("----------------");
            summary.put("sample", text);
        }
        Path png = jgpt.inspect.LossPlot.writeForRun(runDir, System.out);
        if (png != null) System.out.println("loss curve: " + png + " (./jgpt plot " + runDir + ")");
        System.out.printf("model saved in %s (sample: ./jgpt sample --model %s)%n", runDir, runDir);
        if (json) System.out.println(summary);
        live.finish();
        return 0;
    }

    /** Train/val token files and the tokenizer that decodes them. */
    record DataSet(TokenFile train, TokenFile val, Tokenizer tokenizer, String tokenizerSpec) {}

    private DataSet openData(TrainConfig tc) {
        cluster.checkData(data);
        if (cluster.remote(data)) { var r = cluster.openRemote(data); return new DataSet(r.train(), r.val(), r.tokenizer(), r.tokenizerSpec()); }
        String tok = tokenizer;
        Dataset d = Datasets.resolve(data, tok, cache != null ? cache : Datasets.defaultCache());
        TokenFile train = d.openTrain();
        TokenFile val = valData != null ? TokenFile.open(valData) : d.openVal();
        long need = (long) tc.batch() * tc.block() + 1;
        if (train.size() < need)
            throw new UserError(train.path() + " has " + train.size() + " tokens, fewer than one batch needs (" + need + " = batch × block + 1): lower --batch or --block");
        if (val != null && val.size() < need) {
            System.err.printf("jgpt: note: %s has only %d tokens, fewer than one batch: validation is off%n", val.path(), val.size());
            val = null;
        }
        return new DataSet(train, val, d.tokenizer(), d.tokenizerSpec() != null ? d.tokenizerSpec() : (d.tokenizerFile() != null ? d.tokenizerFile().toString() : null));
    }

    private GPT buildModel(DataSet ds, TrainConfig tc, jgpt.tensor.Kernels kernels) {
        int dataVocab = ds.tokenizer != null ? ds.tokenizer.vocabSize() : ds.train.maxToken() + 1;
        GPT model;
        if (init != null) {
            Config c = ModelStore.readConfig(init);
            MemoryCheck.checkTraining(c, tc.batch(), tc.block(), runtime.replicas(tc.batch(), new jgpt.model.ParamLayout(c).total), tc.optimizer(), tc.dropout() > 0);
            if (tc.block() > c.block())
                throw new UserError("--block " + tc.block() + " is larger than the context of the model in " + init
                        + " (n_positions " + c.block() + "): use --block " + c.block() + " or less");
            model = ModelStore.load(init, kernels);
            if (ds.tokenizer != null && ds.tokenizer.vocabSize() != model.cfg.vocab())
                throw new UserError("tokenizer '" + ds.tokenizerSpec + "' has " + ds.tokenizer.vocabSize() + " tokens but the model in " + init
                        + " has vocabulary " + model.cfg.vocab() + ": use the model's tokenizer (--tokenizer)");
        } else {
            Config cfg = shape.apply(preset != null ? Config.preset(preset) : null, dataVocab, tc.block());   // the recipe's shape is the default one
            MemoryCheck.checkTraining(cfg, tc.batch(), tc.block(), runtime.replicas(tc.batch(), new jgpt.model.ParamLayout(cfg).total), tc.optimizer(), tc.dropout() > 0);
            model = new GPT(cfg, jgpt.tensor.DType.F32, kernels).initGpt2(tc.seed());
            if (shape.zeroInit()) model.zeroResidualProjections();
        }
        checkTokens(ds, model.cfg);
        return model;
    }

    /** Every token id of the train and validation files, and the tokenizer, fit the model's vocabulary. */
    private static void checkTokens(DataSet ds, Config cfg) {
        for (TokenFile f : new TokenFile[] {ds.train, ds.val})
            if (f != null && f.maxToken() >= cfg.vocab())
                throw new UserError(f.path() + " holds token id " + f.maxToken() + " but the model's vocabulary is " + cfg.vocab());
        if (ds.tokenizer != null && ds.tokenizer.vocabSize() > cfg.vocab())
            throw new UserError("tokenizer '" + ds.tokenizerSpec + "' has " + ds.tokenizer.vocabSize() + " tokens but the model's vocabulary is " + cfg.vocab());
    }

    static String describe(Config c) {
        return String.format("%d layers, %d heads, %d wide, context %d, vocab %d, %s-%s, %s, %s positions, %s, %s%s%s",
                c.layers(), c.heads(), c.embd(), c.block(), c.vocab(), c.norm().name().toLowerCase(),
                c.normType() == Config.NormType.RMS ? "RMSNorm" : "LN", c.activation().name().toLowerCase(),
                c.positions().name().toLowerCase(), c.tied() ? "tied output" : "separate W_vocab", c.bias() ? "biases" : "no biases",
                c.qkNorm() ? ", QK-norm" : "", c.softcap() > 0 ? ", logit soft-cap " + c.softcap() : "");
    }

    /** Picocli completion candidates: the preset names. */
    static final class Presets extends java.util.ArrayList<String> {
        Presets() { super(Config.PRESETS.keySet()); }
    }
}
