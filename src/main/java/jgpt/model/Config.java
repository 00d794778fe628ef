package jgpt.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Architecture of one decoder-only transformer. The variants are independent switches:
 * where the norm sits and which norm it is (LayerNorm or RMSNorm), the FFN activation, how positions enter,
 * whether q and k are normalised per head (QK-norm), whether the output projection is tied to the token
 * embedding, whether linear layers and norms carry biases, and whether the logits are soft-capped.
 *
 * @param vocab  vocabulary size V
 * @param block  maximum context length T
 * @param layers number of decoder blocks L
 * @param heads  attention heads H (embd must be divisible by heads)
 * @param embd   model width C (d_model)
 * @param ffn    FFN hidden width (4·C in GPT-2)
 * @param normType LayerNorm (GPT-2) or RMSNorm (gain only, no mean subtraction, no bias)
 * @param qkNorm   RMS-normalise each head's q and k (no gain) before RoPE and the dot product
 * @param softcap  logits = softcap·tanh(z / softcap) when positive (0 = off)
 */
public record Config(int vocab, int block, int layers, int heads, int embd, int ffn,
                     Norm norm, Activation activation, Positions positions, boolean tied, boolean bias,
                     double ropeTheta, double lnEps, NormType normType, boolean qkNorm, double softcap)
        implements java.io.Serializable {

    /** PRE: x + f(LN(x)) with a final LayerNorm (GPT-2). POST: LN(x + f(x)), the textbook diagram. */
    public enum Norm { PRE, POST }
    /** LAYER: (x − mean)/std·g + b. RMS: x/rms(x)·g. */
    public enum NormType { LAYER, RMS }
    /** GELU (tanh form, GPT-2), ReLU (the textbook), ReLU² = relu(x)² (modded-nanogpt). */
    public enum Activation { GELU, RELU, RELU2 }
    /** LEARNED: a trained table P (GPT-2). SINUSOIDAL: fixed P (the original Transformer). ROPE: rotate q and k. */
    public enum Positions { LEARNED, SINUSOIDAL, ROPE }

    public Config {
        require(vocab > 0, "vocab must be positive");
        require(block > 0, "block (context length) must be positive");
        require(layers > 0, "layers must be positive");
        require(heads > 0, "heads must be positive");
        require(embd > 0, "embd must be positive");
        require(ffn > 0, "ffn width must be positive");
        require(embd % heads == 0, "embd (" + embd + ") must be divisible by heads (" + heads + ")");
        require(positions != Positions.ROPE || (embd / heads) % 2 == 0, "RoPE needs an even head size, got " + embd / heads);
        require(softcap >= 0 && Double.isFinite(softcap), "logit soft-cap must be ≥ 0 (0 = off), got " + softcap);
        require(normType != null && norm != null && activation != null && positions != null, "every switch needs a value");
    }

    /** The classic switches; LayerNorm, no QK-norm, no soft-cap. */
    public Config(int vocab, int block, int layers, int heads, int embd, int ffn, Norm norm, Activation activation,
                  Positions positions, boolean tied, boolean bias, double ropeTheta, double lnEps) {
        this(vocab, block, layers, heads, embd, ffn, norm, activation, positions, tied, bias, ropeTheta, lnEps, NormType.LAYER, false, 0);
    }

    /** Whether norms carry a bias: LayerNorm with biases on; RMSNorm never does. */
    public boolean normBias() { return bias && normType == NormType.LAYER; }

    private static void require(boolean ok, String msg) { if (!ok) throw new IllegalArgumentException(msg); }

    public int headSize() { return embd / heads; }

    public Config withVocab(int v) { return new Config(v, block, layers, heads, embd, ffn, norm, activation, positions, tied, bias, ropeTheta, lnEps, normType, qkNorm, softcap); }
    public Config withBlock(int t) { return new Config(vocab, t, layers, heads, embd, ffn, norm, activation, positions, tied, bias, ropeTheta, lnEps, normType, qkNorm, softcap); }
    /** The same model with the modern switches set. */
    public Config withModern(NormType nt, boolean qk, double cap) { return new Config(vocab, block, layers, heads, embd, ffn, norm, activation, positions, tied, bias, ropeTheta, lnEps, nt, qk, cap); }

    /** GPT-2 family: pre-LN, GELU, learned positions, tied output, biases. */
    public static Config gpt2(int vocab, int block, int layers, int heads, int embd) {
        return new Config(vocab, block, layers, heads, embd, 4 * embd, Norm.PRE, Activation.GELU, Positions.LEARNED, true, true, 10000, 1e-5);
    }

    /** The textbook Transformer decoder (seed 003): post-LN, fixed sinusoidal P, ReLU, separate W_vocab, biases. */
    public static Config textbook(int vocab, int block, int layers, int heads, int embd) {
        return new Config(vocab, block, layers, heads, embd, 4 * embd, Norm.POST, Activation.RELU, Positions.SINUSOIDAL, false, true, 10000, 1e-5);
    }

    /** A modern layout: pre-LN, RoPE, GELU, separate W_vocab, no biases. */
    public static Config rope(int vocab, int block, int layers, int heads, int embd) {
        return new Config(vocab, block, layers, heads, embd, 4 * embd, Norm.PRE, Activation.GELU, Positions.ROPE, false, false, 10000, 1e-5);
    }

    /** Named presets: the GPT-2 sizes, GPT-3 175B (GPT-2 architecture, for the inventory), textbook, rope. */
    public static final Map<String, Config> PRESETS = new LinkedHashMap<>();
    static {
        PRESETS.put("gpt2", gpt2(50257, 1024, 12, 12, 768));
        PRESETS.put("gpt2-medium", gpt2(50257, 1024, 24, 16, 1024));
        PRESETS.put("gpt2-large", gpt2(50257, 1024, 36, 20, 1280));
        PRESETS.put("gpt2-xl", gpt2(50257, 1024, 48, 25, 1600));
        PRESETS.put("gpt3", gpt2(50257, 2048, 96, 96, 12288));
        PRESETS.put("textbook", textbook(50257, 1024, 6, 8, 512));
        PRESETS.put("rope", rope(50257, 1024, 12, 12, 768));
        PRESETS.put("shakespeare-char", gpt2(65, 64, 4, 4, 128));
    }

    public static Config preset(String name) {
        Config c = PRESETS.get(name);
        if (c == null) throw new jgpt.UserError("unknown preset '" + name + "': choose one of " + String.join(", ", PRESETS.keySet()));
        return c;
    }
}
