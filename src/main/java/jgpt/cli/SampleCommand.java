package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import jgpt.UserError;
import jgpt.io.ModelStore;
import jgpt.model.GPT;
import jgpt.model.Generator;
import jgpt.model.Sampler;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;
import jgpt.tokenizer.TextStreamer;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt sample}: stream text from a saved model (KV cache, temperature / top-k / top-p, seeded). */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Generate text from a saved model, streaming it as it is produced.",
                "The prompt is echoed, then the continuation; speed goes to stderr. A prompt longer than the context keeps "
                        + "its last block tokens; past the context each new token sees the last block tokens (nanoGPT's crop)."})
public final class SampleCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin Runtime runtime = new Runtime();
    static final int GPT2_EOT = 50256;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (config.json + weights, tokenizer.json unless GPT-2) or llm.c checkpoint file.")
    Path model;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text to continue (default: GPT-2's <|endoftext|>, else a newline).")
    String prompt;

    @Option(names = "--tokens", defaultValue = "200", paramLabel = "N", description = "New tokens to generate (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T", description = "Softmax temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "200", paramLabel = "K", description = "Keep the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", paramLabel = "P", description = "Nucleus: keep the most likely tokens up to mass P, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "1337", paramLabel = "S", description = "Random seed: the same seed gives the same text (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "End with one JSON line: text (the continuation), tokens, tokens_per_s (after the prompt), prompt, prompt_tokens, prompt_s, ids.")
    boolean json;

    @Override public Integer call() throws Exception {
        validate();
        if (!Files.exists(model))
            throw new UserError("--model " + model + ": not found (give a model directory with config.json and its weights, or an llm.c checkpoint file)");
        Kernels kernels = runtime.kernels();
        GPT gpt = ModelStore.load(model, kernels);
        Tokenizer tok = Tokenizers.forModel(model, gpt.cfg.vocab());
        int V = gpt.cfg.vocab();
        if (tok.vocabSize() > V)
            throw new UserError("the tokenizer in " + model + " has " + tok.vocabSize() + " tokens but the model only " + V + ": they do not belong together");

        // the prompt; a default GPT-2 <|endoftext|> starts a fresh document and is not echoed
        int[] ids;
        int echoFrom = 0;
        if (prompt == null) {
            if (tok.kind().equals("gpt2")) { ids = new int[] {GPT2_EOT}; echoFrom = 1; }
            else ids = Tokenizers.defaultPrompt(tok);
        } else {
            ids = tok.encode(prompt);
            if (ids.length == 0)
                throw new UserError("the prompt encodes to no tokens: give a non-empty --prompt (or leave it out for the default)");
        }
        for (int id : ids)
            if (id < 0 || id >= V) throw new UserError("the prompt has token id " + id + ", outside the model's vocabulary of " + V);

        PrintStream err = System.err;
        int block = gpt.cfg.block();
        if (ids.length > block)
            err.printf(Locale.ROOT, "jgpt: the prompt is %d tokens, the context %d: the model sees its last %d%n", ids.length, block, block);

        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        TextStreamer prompted = new TextStreamer(tok, out);
        for (int i = echoFrom; i < ids.length; i++) prompted.accept(ids[i]);
        prompted.finish();
        TextStreamer stream = new TextStreamer(tok, out);
        Sampler sampler = new Sampler(tok.vocabSize(), temperature, topK, topP, seed);
        Generator.Result r = new Generator(gpt).generate(ids, tokens, sampler, stream::accept);
        stream.finish();
        out.println();
        out.flush();

        double tps = r.tokensPerSecond();
        err.printf(Locale.ROOT, "jgpt: %d tokens in %.2f s, %.1f tokens/s (prompt: %d tokens in %.2f s)%n",
                r.generated(), r.decodeNanos() / 1e9, tps, r.promptLength(), r.promptNanos() / 1e9);
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            o.put("prompt", prompted.text());
            o.put("text", stream.text());
            o.put("tokens", r.generated());
            o.put("tokens_per_s", tps);
            o.put("prompt_tokens", r.promptLength());
            o.put("prompt_s", r.promptNanos() / 1e9);
            var arr = o.putArray("ids");
            for (int id : Arrays.copyOfRange(r.tokens(), r.promptLength(), r.tokens().length)) arr.add(id);
            out.println(m.writeValueAsString(o));
            out.flush();
        }
        return 0;
    }

    /** The library's checks, worded with these flags' names by the CLI. */
    private void validate() { new jgpt.api.GenerationOptions(tokens, temperature, topK, topP, seed); }
}
