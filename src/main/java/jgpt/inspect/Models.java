package jgpt.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.UserError;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one place where inspect gets a model, its tokenizer and kernels. Stand-ins until the io and tokenizer
 * helpers land: then {@link #readConfig} becomes {@code ModelStore.readConfig(dir)}, {@link #load} becomes
 * {@code ModelStore.load(dir, dtype, kernels())} and {@link #vocab} wraps {@code Tokenizers.load(dir)}.
 */
public final class Models {
    private Models() {}

    /** config.json in Hugging Face GPT-2 keys (n_layer, n_embd, ...), plus jgpt_norm, jgpt_positions, jgpt_bias, rope_theta for our variants. */
    public static Config readConfig(Path dir) {
        Path f = dir.resolve("config.json");
        if (!Files.isRegularFile(f)) throw new UserError("no config.json in " + dir + ": pass a model directory written by jgpt");
        try {
            JsonNode j = new ObjectMapper().readTree(f.toFile());
            int embd = req(j, f, "n_embd");
            int block = j.has("n_positions") ? j.get("n_positions").asInt() : req(j, f, "n_ctx");
            JsonNode inner = j.get("n_inner");
            int ffn = inner == null || inner.isNull() ? 4 * embd : inner.asInt();
            String act = j.path("activation_function").asText("gelu_new").toLowerCase(Locale.ROOT);
            return new Config(req(j, f, "vocab_size"), block, req(j, f, "n_layer"), req(j, f, "n_head"), embd, ffn,
                    Config.Norm.valueOf(j.path("jgpt_norm").asText("pre").toUpperCase(Locale.ROOT)),
                    act.startsWith("relu") ? Config.Activation.RELU : Config.Activation.GELU,
                    Config.Positions.valueOf(j.path("jgpt_positions").asText("learned").toUpperCase(Locale.ROOT)),
                    j.path("tie_word_embeddings").asBoolean(true), j.path("jgpt_bias").asBoolean(true),
                    j.path("rope_theta").asDouble(10000), j.path("layer_norm_epsilon").asDouble(1e-5));
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError("cannot read " + f + ": " + e.getMessage());
        }
    }

    /** Weights from a model directory (config.json + model.safetensors). */
    public static GPT load(Path dir, DType dtype) {
        readConfig(dir);   // a clear error for a wrong directory first
        throw new UserError("loading weights from " + dir + " needs jgpt.io.ModelStore, which is not merged yet: use --preset NAME for a randomly initialised model");
    }

    /** The kernels inspect runs on: the reference ones (a single prompt is small work). */
    public static Kernels kernels() { return new NaiveKernels(); }

    /** A preset with GPT-2 initialisation: an untrained model, for seeing the machinery (its predictions are noise). */
    public static GPT random(Config cfg, DType dtype, long seed) {
        return new GPT(cfg, dtype, kernels()).initGpt2(seed);
    }

    /** The tokenizer for a model (dir may be null for presets): GPT-2's BPE for a 50257-token vocabulary. */
    public static Explainer.Vocab vocab(Path dir, Config cfg) {
        if (cfg.vocab() != 50257)
            throw new UserError("a " + cfg.vocab() + "-token vocabulary needs the model's tokenizer.json, which needs jgpt.tokenizer (not merged yet)");
        Encoding bpe = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);   // GPT-2's BPE
        return Explainer.Vocab.of(text -> bpe.encodeOrdinary(text).toArray(), id -> {
            IntArrayList one = new IntArrayList(1);
            one.add(id);
            return bpe.decode(one);
        });
    }

    private static int req(JsonNode j, Path f, String key) {
        if (!j.has(key)) throw new UserError(f + " has no \"" + key + "\": not a GPT-2 style config");
        return j.get(key).asInt();
    }
}
