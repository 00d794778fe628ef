package jgpt.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every parameter lives in the one flat buffer (llm.c style), computed from the config alone,
 * so the inventory of GPT-3 can be listed without allocating it. Gradients and optimizer moments use
 * the same offsets. Layout: wEmbed, wPos?, then for each layer [ln1g ln1b wq wk wv bq bk bv wo bo ln2g ln2b w1 b1 w2 b2],
 * then lnfG lnfB (pre-LN only), then wVocab (when not tied). Weights are stored (in, out) so forward is X·W;
 * wEmbed and wVocab are (V, C) rows, one per token.
 */
public final class ParamLayout {

    /** What a parameter is, for the inventory and for weight decay. */
    public enum Kind {
        TOKEN_EMBEDDING("token embedding W_embed"), POSITION_EMBEDDING("positions P (learned)"),
        WQ("W_Q"), WK("W_K"), WV("W_V"), BQ("b_Q"), BK("b_K"), BV("b_V"), WO("W_O"), BO("b_O"),
        W1("W1 (FFN up)"), B1("b1"), W2("W2 (FFN down)"), B2("b2"),
        LN_GAIN("LayerNorm gain"), LN_BIAS("LayerNorm bias"), VOCAB("W_vocab (output)");
        public final String label;
        Kind(String label) { this.label = label; }
        public boolean attention() { return this == WQ || this == WK || this == WV || this == WO || this == BQ || this == BK || this == BV || this == BO; }
        public boolean ffn() { return this == W1 || this == B1 || this == W2 || this == B2; }
        public boolean norm() { return this == LN_GAIN || this == LN_BIAS; }
        public boolean embedding() { return this == TOKEN_EMBEDDING || this == POSITION_EMBEDDING || this == VOCAB; }
    }

    /** One parameter tensor: name like {@code layer.3.wq}, layer −1 for global ones. decay: rank ≥ 2 (nanoGPT's rule). */
    public record Spec(String name, Kind kind, int layer, long offset, int[] shape) {
        public long size() { long n = 1; for (int s : shape) n *= s; return n; }
        public boolean decay() { return shape.length >= 2; }
    }

    /** Offsets of one layer's tensors (−1 when absent). */
    public record Layer(Spec ln1g, Spec ln1b, Spec wq, Spec wk, Spec wv, Spec bq, Spec bk, Spec bv, Spec wo, Spec bo,
                        Spec ln2g, Spec ln2b, Spec w1, Spec b1, Spec w2, Spec b2) {}

    public final Config cfg;
    public final long total;
    private final List<Spec> specs;
    private final Map<String, Spec> byName = new LinkedHashMap<>();
    public final Spec wEmbed, wPos, lnfG, lnfB, wVocab;
    public final Layer[] layers;

    public ParamLayout(Config c) {
        this.cfg = c;
        List<Spec> out = new ArrayList<>();
        long[] at = {0};
        int V = c.vocab(), C = c.embd(), F = c.ffn();
        boolean b = c.bias(), nb = c.normBias();
        wEmbed = add(out, at, "wEmbed", Kind.TOKEN_EMBEDDING, -1, V, C);                        // (V, C)
        wPos = c.positions() == Config.Positions.LEARNED ? add(out, at, "wPos", Kind.POSITION_EMBEDDING, -1, c.block(), C) : null; // (T, C)
        layers = new Layer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "layer." + l + ".";
            Spec ln1g = add(out, at, p + "ln1g", Kind.LN_GAIN, l, C);                            // (C)
            Spec ln1b = nb ? add(out, at, p + "ln1b", Kind.LN_BIAS, l, C) : null;                 // (C)
            Spec wq = add(out, at, p + "wq", Kind.WQ, l, C, C);                                   // (C, C)
            Spec wk = add(out, at, p + "wk", Kind.WK, l, C, C);                                   // (C, C)
            Spec wv = add(out, at, p + "wv", Kind.WV, l, C, C);                                   // (C, C)
            Spec bq = b ? add(out, at, p + "bq", Kind.BQ, l, C) : null;                           // (C)
            Spec bk = b ? add(out, at, p + "bk", Kind.BK, l, C) : null;                           // (C)
            Spec bv = b ? add(out, at, p + "bv", Kind.BV, l, C) : null;                           // (C)
            Spec wo = add(out, at, p + "wo", Kind.WO, l, C, C);                                   // (C, C)
            Spec bo = b ? add(out, at, p + "bo", Kind.BO, l, C) : null;                           // (C)
            Spec ln2g = add(out, at, p + "ln2g", Kind.LN_GAIN, l, C);                            // (C)
            Spec ln2b = nb ? add(out, at, p + "ln2b", Kind.LN_BIAS, l, C) : null;                 // (C)
            Spec w1 = add(out, at, p + "w1", Kind.W1, l, C, F);                                   // (C, F)
            Spec b1 = b ? add(out, at, p + "b1", Kind.B1, l, F) : null;                           // (F)
            Spec w2 = add(out, at, p + "w2", Kind.W2, l, F, C);                                   // (F, C)
            Spec b2 = b ? add(out, at, p + "b2", Kind.B2, l, C) : null;                           // (C)
            layers[l] = new Layer(ln1g, ln1b, wq, wk, wv, bq, bk, bv, wo, bo, ln2g, ln2b, w1, b1, w2, b2);
        }
        boolean pre = c.norm() == Config.Norm.PRE;
        lnfG = pre ? add(out, at, "lnfG", Kind.LN_GAIN, -1, C) : null;                           // (C)
        lnfB = pre && nb ? add(out, at, "lnfB", Kind.LN_BIAS, -1, C) : null;                      // (C)
        wVocab = c.tied() ? null : add(out, at, "wVocab", Kind.VOCAB, -1, V, C);                // (V, C)
        total = at[0];
        specs = Collections.unmodifiableList(out);
        for (Spec s : specs) byName.put(s.name(), s);
    }

    private static Spec add(List<Spec> out, long[] at, String name, Kind kind, int layer, int... shape) {
        Spec s = new Spec(name, kind, layer, at[0], shape);
        out.add(s);
        at[0] += s.size();
        return s;
    }

    public List<Spec> specs() { return specs; }

    /** The spec called {@code name}, or null. */
    public Spec get(String name) { return byName.get(name); }
}
