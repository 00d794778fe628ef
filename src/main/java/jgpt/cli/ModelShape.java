package jgpt.cli;

import jgpt.UserError;
import jgpt.model.Config;
import picocli.CommandLine.Option;

/**
 * Flags that size a new model or flip its variant switches; unset flags keep the preset's value. Switches take an
 * optional true/false ({@code --untied=false}), so a recipe's switch can be turned off on the command line.
 */
final class ModelShape {
    @Option(names = "--layers", description = "Decoder blocks L.") Integer layers;
    @Option(names = "--heads", description = "Attention heads H.") Integer heads;
    @Option(names = "--embd", description = "Model width C (d_model).") Integer embd;
    @Option(names = "--ffn", description = "FFN hidden width (default 4·C).") Integer ffn;
    @Option(names = "--vocab", description = "Vocabulary size (default: the tokenizer's).") Integer vocab;
    @Option(names = "--context", description = "Maximum context length of a new model (default: --block).") Integer context;
    @Option(names = "--norm", description = "pre (GPT-2) | post (textbook).") String norm;
    @Option(names = "--activation", description = "gelu | relu | relu2 (ReLU², modded-nanogpt).") String activation;
    @Option(names = "--norm-type", description = "layer (LayerNorm) | rms (RMSNorm: gain only).") String normType;
    @Option(names = "--qk-norm", arity = "0..1", description = "RMS-normalise each head's q and k before attention.") Boolean qkNorm;
    @Option(names = "--logit-softcap", paramLabel = "C", description = "Soft-cap the logits at C·tanh(z/C) (0 = off).") Double softcap;
    @Option(names = "--zero-init", arity = "0..1", description = "Start the residual projections wo and w2 at zero (a new model only).") Boolean zeroInit;
    @Option(names = "--positions", description = "learned | sinusoidal | rope.") String positions;
    @Option(names = "--untied", arity = "0..1", description = "Separate W_vocab instead of tying it to W_embed.") Boolean untied;
    @Option(names = "--no-bias", arity = "0..1", description = "No biases in linear layers and LayerNorms.") Boolean noBias;

    boolean zeroInit() { return zeroInit != null && zeroInit; }

    /**
     * The config from base with every given flag applied. base null: the small Shakespeare shape with a context of
     * defaultContext (the training block); a preset keeps its own context when that is longer.
     */
    Config apply(Config base, int defaultVocab, int defaultContext) {
        boolean preset = base != null;
        if (!preset) base = Config.preset("shakespeare-char");
        int L = layers != null ? layers : base.layers(), H = heads != null ? heads : base.heads(), C = embd != null ? embd : base.embd();
        int V = vocab != null ? vocab : (defaultVocab > 0 ? defaultVocab : base.vocab());
        int T = context != null ? context : (preset || defaultContext <= 0 ? Math.max(defaultContext, base.block()) : defaultContext);
        int F = ffn != null ? ffn : (embd != null ? 4 * C : base.ffn());
        if (L <= 0 || H <= 0 || C <= 0 || V <= 0 || T <= 0 || F <= 0)
            throw new UserError("model sizes must be positive (layers, heads, embd, vocab, context, ffn)");
        if (C % H != 0) throw new UserError("--embd " + C + " is not divisible by --heads " + H);
        if (softcap != null && !(softcap >= 0 && Double.isFinite(softcap)))
            throw new UserError("--logit-softcap must be ≥ 0 (0 = off), got " + softcap);
        try {
            return new Config(V, T, L, H, C, F,
                    choice("--norm", norm, Config.Norm.class, base.norm()),
                    choice("--activation", activation, Config.Activation.class, base.activation()),
                    choice("--positions", positions, Config.Positions.class, base.positions()),
                    untied != null ? !untied : base.tied(), noBias != null ? !noBias : base.bias(), base.ropeTheta(), base.lnEps(),
                    choice("--norm-type", normType, Config.NormType.class, base.normType()),
                    qkNorm != null ? qkNorm : base.qkNorm(), softcap != null ? softcap : base.softcap());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** The enum constant named by a flag's value (any case), dflt when unset; a one-line error listing the choices. */
    private static <E extends Enum<E>> E choice(String flag, String value, Class<E> type, E dflt) {
        if (value == null) return dflt;
        for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(value)) return e;
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) names.append(names.isEmpty() ? "" : " | ").append(e.name().toLowerCase());
        throw new UserError(flag + " '" + value + "' is unknown: use " + names);
    }
}
