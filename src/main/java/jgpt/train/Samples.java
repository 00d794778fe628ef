package jgpt.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;
import jgpt.model.GPT;
import jgpt.model.Generator;
import jgpt.model.Sampler;
import jgpt.tokenizer.Tokenizer;

/**
 * RUNDIR/samples.jsonl: every {@code every} steps (and at step 0 and the last step) a continuation of one fixed
 * prompt with one fixed seed, so the lines differ only by what the weights learned. One JSON object a line:
 * step (steps completed), steps (the run's total), prompt, text. Hook it into {@link Trainer#onStep} (with the steps completed).
 */
public final class Samples implements LongConsumer {
    public static final String FILE = "samples.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GPT model;
    private final Tokenizer tokenizer;
    private final int[] prompt;
    private final int every, tokens;
    private final long steps, seed;
    private final Path file;
    private Generator generator;                 // made on first use: its KV cache is the model's context long

    public Samples(GPT model, Tokenizer tokenizer, int[] prompt, int every, int tokens, long steps, long seed, Path runDir) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.prompt = prompt.clone();
        this.every = every;
        this.tokens = tokens;
        this.steps = steps;
        this.seed = seed;
        this.file = runDir.resolve(FILE);
    }

    /** Default interval: about five samples per run after the one at step 0. */
    public static int defaultEvery(long steps) { return (int) Math.max(1, (steps + 4) / 5); }

    /** A resumed run writes the samples after its checkpoint again: drop them. */
    public void resumeAt(long step) { Metrics.truncate(file, step + 1); }

    @Override public void accept(long step) {
        if (every > 0 && (step % every == 0 || step == steps)) write(step);
    }

    /** Samples now and appends one line (one write: a reader sees whole lines or a cut last one). */
    public void write(long step) {
        if (generator == null) generator = new Generator(model);
        Sampler s = new Sampler(tokenizer.vocabSize(), 0.8, 200, 1.0, seed);
        int[] out = generator.generate(prompt, tokens, s, null).newTokens();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put("steps", steps);
        m.put("prompt", tokenizer.decode(prompt));
        m.put("text", tokenizer.decode(out));
        try {
            byte[] line = (JSON.writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
            Files.write(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
