package jgpt.inspect;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import jgpt.UserError;
import jgpt.io.ModelStore;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;

import java.nio.file.Path;

/**
 * The one place where inspect gets a model, its tokenizer and kernels. The tokenizer is a stand-in until
 * jgpt.tokenizer lands: then {@link #vocab} wraps {@code Tokenizers.load(dir)}.
 */
public final class Models {
    private Models() {}

    public static Config readConfig(Path dir) { return ModelStore.readConfig(dir); }

    /** Weights from a model directory (config.json + model.safetensors). */
    public static GPT load(Path dir, DType dtype) { return ModelStore.load(dir, dtype, kernels()); }

    /** The kernels inspect runs on: the reference ones (a single prompt is small work). */
    public static Kernels kernels() { return new NaiveKernels(); }

    /** A preset with GPT-2 initialisation: an untrained model, for seeing the machinery (its predictions are noise). */
    public static GPT random(Config cfg, DType dtype, long seed) {
        return new GPT(cfg, dtype, kernels()).initGpt2(seed);
    }

    /** GPT-2's BPE (r50k_base), loaded once and only when first needed. */
    private static final class Gpt2Bpe {
        static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    }

    /** The tokenizer for a model (dir may be null for presets): GPT-2's BPE for a 50257-token vocabulary. */
    public static Explainer.Vocab vocab(Path dir, Config cfg) {
        if (cfg.vocab() != 50257)
            throw new UserError("a " + cfg.vocab() + "-token vocabulary needs the model's tokenizer.json, which needs jgpt.tokenizer (not merged yet)");
        Encoding bpe = Gpt2Bpe.ENCODING;
        return Explainer.Vocab.of(text -> bpe.encodeOrdinary(text).toArray(), id -> {
            IntArrayList one = new IntArrayList(1);
            one.add(id);
            return bpe.decode(one);
        });
    }
}
