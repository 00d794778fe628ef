package jgpt.cli;

import java.nio.file.Path;
import java.util.List;
import jgpt.UserError;
import jgpt.dashboard.Dashboard;
import jgpt.model.GPT;
import jgpt.tokenizer.Tokenizer;
import jgpt.train.Samples;
import jgpt.train.TrainConfig;
import jgpt.train.Trainer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** train's options for watching a run: samples.jsonl every few steps, and {@code --dashboard} serving the run as it trains. */
final class LiveRun {
    @Option(names = "--sample-every", paramLabel = "N", description = "Write a sample of a fixed prompt to samples.jsonl every N steps, 0 = never (default: steps/5).") Integer sampleEvery;
    @Option(names = "--sample-tokens", paramLabel = "N", defaultValue = "100", description = "Tokens per sample in samples.jsonl (default ${DEFAULT-VALUE}).") int sampleTokens;
    @Option(names = "--dashboard", description = "Serve the live dashboard of this run while it trains (and after, until Ctrl-C).") boolean dashboard;
    @Mixin DashboardCommand.Serve serve = new DashboardCommand.Serve();
    private Dashboard server;

    /** Hooks samples.jsonl into the trainer (a first sample now, unless resuming) and starts the dashboard. */
    void attach(Trainer trainer, GPT model, Tokenizer tok, TrainConfig tc, Path runDir, boolean resuming) {
        int every = sampleEvery != null ? sampleEvery : Samples.defaultEvery(tc.steps());
        if (every < 0 || sampleTokens < 1) throw new UserError("--sample-every must be ≥ 0 and --sample-tokens ≥ 1");
        if (every > 0 && tok != null) {
            Samples s = new Samples(model, tok, jgpt.tokenizer.Tokenizers.defaultPrompt(tok), every, sampleTokens, tc.steps(), tc.seed(), runDir);
            if (resuming) s.resumeAt(trainer.step()); else s.accept(0);
            trainer.onStep(m -> s.accept(m.get("step").asLong() + 1));
        }
        if (dashboard) server = serve.start(List.of(runDir), "/run?run=" + java.net.URLEncoder.encode(
                runDir.toAbsolutePath().normalize().getFileName().toString(), java.nio.charset.StandardCharsets.UTF_8));
    }

    /** With --dashboard: keep serving the finished run until Ctrl-C. */
    void finish() throws InterruptedException {
        if (server == null) return;
        System.out.println("training done; the dashboard keeps serving until Ctrl-C");
        Thread.currentThread().join();
    }
}
