package jgpt.inspect;

import jgpt.io.ModelStore;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.FastKernels;
import jgpt.tensor.Kernels;
import jgpt.tokenizer.Gpt2Tokenizer;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;

import java.nio.file.Path;

/** Where inspect gets a model, its tokenizer and its kernels. */
public final class Models {
    private Models() {}

    public static Config readConfig(Path dir) { return ModelStore.readConfig(dir); }

    /** Weights from a model directory (config.json + model.safetensors) or an llm.c checkpoint file. */
    public static GPT load(Path dir, DType dtype) { return ModelStore.load(dir, dtype, kernels()); }

    /** Vector API kernels for F32; F64 tensors fall back to the reference loops inside them. */
    public static Kernels kernels() { return new FastKernels(); }

    /** A preset with GPT-2 initialisation: an untrained model, for seeing the machinery (its predictions are noise). */
    public static GPT random(Config cfg, DType dtype, long seed) {
        return new GPT(cfg, dtype, kernels()).initGpt2(seed);
    }

    /** The model directory's tokenizer (GPT-2's when it has none and a GPT-2 vocabulary); dir null = a preset. */
    public static Explainer.Vocab vocab(Path dir, Config cfg) {
        Tokenizer t;
        if (dir != null) t = Tokenizers.forModel(dir, cfg.vocab());
        else if (cfg.vocab() == Gpt2Tokenizer.VOCAB) t = new Gpt2Tokenizer();
        else throw new jgpt.InvalidSetting("model", "model needed: a preset with a " + cfg.vocab() + "-token vocabulary has no tokenizer; give a trained model's directory (with its tokenizer.json)");
        Tokenizers.checkCompatible(t, cfg.vocab(), dir != null ? "the model in " + dir : "this preset");
        return vocab(t);
    }

    /** A tokenizer as the explainer sees it; ids past the tokenizer's vocabulary (llm.c's padding to 50304) show as ⟨pad id⟩. */
    public static Explainer.Vocab vocab(Tokenizer t) {
        return Explainer.Vocab.of(t::encode, id -> id < t.vocabSize() ? t.tokenText(id) : "⟨pad " + id + "⟩");
    }
}
