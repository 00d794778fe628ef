package jgpt.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.UserError;
import jgpt.model.Config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one place where inspect reads a model directory. Stand-in until jgpt.io.ModelStore lands:
 * then {@link #readConfig} becomes {@code ModelStore.readConfig(dir)}.
 */
public final class Models {
    private Models() {}

    /** config.json in Hugging Face GPT-2 keys (n_layer, n_embd, ...), plus optional keys for our variants. */
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
                    Config.Norm.valueOf(j.path("norm").asText("pre").toUpperCase(Locale.ROOT)),
                    act.startsWith("relu") ? Config.Activation.RELU : Config.Activation.GELU,
                    Config.Positions.valueOf(j.path("positions").asText("learned").toUpperCase(Locale.ROOT)),
                    j.path("tie_word_embeddings").asBoolean(true), j.path("bias").asBoolean(true),
                    j.path("rope_theta").asDouble(10000), j.path("layer_norm_epsilon").asDouble(1e-5));
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError("cannot read " + f + ": " + e.getMessage());
        }
    }

    private static int req(JsonNode j, Path f, String key) {
        if (!j.has(key)) throw new UserError(f + " has no \"" + key + "\": not a GPT-2 style config");
        return j.get(key).asInt();
    }
}
