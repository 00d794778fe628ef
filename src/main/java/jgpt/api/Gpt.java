package jgpt.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import jgpt.UserError;
import jgpt.inspect.Explainer;
import jgpt.inspect.Models;
import jgpt.inspect.Prober;
import jgpt.io.ModelStore;
import jgpt.model.GPT;
import jgpt.model.Generator;
import jgpt.model.Sampler;
import jgpt.tensor.KernelSets;
import jgpt.tensor.Kernels;
import jgpt.tensor.Parallel;
import jgpt.tokenizer.TextStreamer;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;

/**
 * A language model with its tokenizer, ready to generate, score, probe and explain text.
 * <pre>{@code
 * Gpt model = Gpt.load(Path.of("runs/shakespeare-char"));
 * model.generate("ROMEO:", GenerationOptions.defaults().maxTokens(100), System.out::print);
 * }</pre>
 * Not thread-safe: one model serves one call at a time (its activations and KV cache are reused).
 */
public final class Gpt {
    private final GPT model;
    private final Tokenizer tokenizer;
    private final Explainer.Vocab vocab;
    private final Path dir;
    private Generator generator;          // made on the first generate (its KV cache is the size of the context)

    Gpt(GPT model, Tokenizer tokenizer, Path dir) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.vocab = Models.vocab(tokenizer);
        this.dir = dir;
    }

    /** Loads a model with the fastest kernels on this machine, on all cores. */
    public static Gpt load(Path path) { return load(path, KernelSets.auto(Parallel.defaultThreads())); }

    /**
     * Loads a model: a Hugging Face GPT-2 directory (config.json, model.safetensors and, unless it is GPT-2's,
     * tokenizer.json) as written by {@code jgpt train}, or an llm.c checkpoint file (its tokenizer beside it);
     * {@link ModelStore} tells them apart.
     * @param kernels e.g. {@link KernelSets#named KernelSets.named("naive", 1)} for bit-reproducible results
     */
    public static Gpt load(Path path, Kernels kernels) {
        if (!Files.exists(path)) throw new UserError("model " + path + " does not exist");
        GPT g = ModelStore.load(path, kernels);
        return new Gpt(g, Tokenizers.forModel(path, g.cfg.vocab()), path);
    }

    GPT engine() { return model; }
    Tokenizer tokenizer() { return tokenizer; }

    /** Where the model was loaded from (a directory or an llm.c file) or trained into. */
    public Path directory() { return dir; }

    /** The model's context: the most tokens it sees at once. */
    public int contextLength() { return model.cfg.block(); }

    /** Parameters in the model. */
    public long parameters() { return model.layout.total; }

    /** The tokenizer's kind: char, gpt2 or bpe. */
    public String tokenizerKind() { return tokenizer.kind(); }

    /**
     * Continues {@code prompt}, handing each piece of text to {@code onText} as soon as it is complete (a piece never
     * ends in half a character). An empty prompt starts from a newline. A prompt longer than the context keeps its
     * last tokens.
     * @return the generated text (without the prompt)
     */
    public String generate(String prompt, GenerationOptions options, Consumer<String> onText) {
        int[] ids = prompt == null || prompt.isEmpty() ? Tokenizers.defaultPrompt(tokenizer) : tokenizer.encode(prompt);
        if (ids.length == 0) throw new UserError("the prompt encodes to no tokens");
        for (int id : ids)
            if (id < 0 || id >= model.cfg.vocab())
                throw new UserError("the prompt has token id " + id + ", outside the model's vocabulary of " + model.cfg.vocab());
        if (generator == null) generator = new Generator(model);
        TextStreamer stream = new TextStreamer(tokenizer, onText != null ? onText : s -> { });
        Sampler sampler = new Sampler(tokenizer.vocabSize(), options.temperature(), options.topK(), options.topP(), options.seed());
        generator.generate(ids, options.maxTokens(), sampler, stream::accept);
        stream.finish();
        return stream.text();
    }

    /** {@link #generate(String, GenerationOptions, Consumer)} without streaming. */
    public String generate(String prompt, GenerationOptions options) { return generate(prompt, options, null); }

    /** The {@code k} most likely next tokens after {@code prompt}, most likely first. */
    public List<TokenScore> nextTokens(String prompt, int k) {
        return new Explainer(model, vocab).nextTokens(prompt, k).stream().map(s -> new TokenScore(s.id(), s.text(), s.value())).toList();
    }

    /** How likely the model finds {@code text}: each token after the first predicted from those before it. */
    public Score score(String text) {
        int[] t = tokenizer.encode(text);
        int n = t.length - 1;
        if (n < 1) throw new UserError("scoring needs a text of at least two tokens");
        if (n > model.cfg.block())
            throw new UserError("the text is " + t.length + " tokens, more than the context of " + (model.cfg.block() + 1) + " scoring needs: shorten it");
        for (int id : t)
            if (id >= model.cfg.vocab()) throw new UserError("token id " + id + " is outside the model's vocabulary of " + model.cfg.vocab());
        int[] x = java.util.Arrays.copyOf(t, n), y = java.util.Arrays.copyOfRange(t, 1, n + 1);
        double mean = model.forward(x, y, 1, n);
        return new Score(t.length, -mean * n, mean);
    }

    /** Ranks candidate continuations of {@code prompt} by log P(candidate | prompt), most likely first. */
    public List<Candidate> probe(String prompt, List<String> candidates) {
        return new Prober(model, vocab).rank(prompt, candidates).stream()
                .map(s -> new Candidate(s.text(), s.tokens().length, s.total(), s.mean())).toList();
    }

    /** Explains the model's next-token prediction for {@code prompt} (the target is its most likely token). */
    public Explanation explain(String prompt) { return explain(prompt, null, 10); }

    /**
     * Explains the prediction of {@code target} (one token; null = the most likely one) after {@code prompt},
     * keeping the {@code top} largest probabilities and gradient entries.
     */
    public Explanation explain(String prompt, String target, int top) {
        Explainer e = new Explainer(model, vocab);
        Explainer.Result r = e.explain(prompt, target, top);
        return new Explanation(r, e.report(r, List.of(), 3));
    }
}
