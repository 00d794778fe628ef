package jgpt.model;

import jgpt.tensor.Tensor;

/**
 * Named views of one flat buffer laid out by {@link ParamLayout}: used for the parameters and, with the
 * same offsets, for their gradients and optimizer moments. Absent tensors (no biases, tied output) are null.
 */
public final class Weights {
    public final Tensor wEmbed;   // (V, C)
    public final Tensor wPos;     // (T, C) learned positions, or null
    public final Tensor lnfG;     // (C) final LayerNorm gain (pre-LN only)
    public final Tensor lnfB;     // (C)
    public final Tensor wVocab;   // (V, C) output projection; the same view as wEmbed when tied
    public final Block[] layers;
    private final Tensor[] bySpec;

    /** One decoder block's tensors. Shapes: C = embd, F = ffn. */
    public record Block(Tensor ln1g, Tensor ln1b,                 // (C)
                        Tensor wq, Tensor wk, Tensor wv,          // (C, C) each, stored (in, out)
                        Tensor bq, Tensor bk, Tensor bv,          // (C)
                        Tensor wo, Tensor bo,                     // (C, C), (C)
                        Tensor ln2g, Tensor ln2b,                 // (C)
                        Tensor w1, Tensor b1,                     // (C, F), (F)
                        Tensor w2, Tensor b2) {}                  // (F, C), (C)

    public Weights(ParamLayout layout, Tensor flat) {
        var specs = layout.specs();
        bySpec = new Tensor[specs.size()];
        for (int i = 0; i < specs.size(); i++) {
            ParamLayout.Spec s = specs.get(i);
            bySpec[i] = flat.view(s.name(), Math.toIntExact(s.offset()), s.shape());
        }
        wEmbed = of(layout, layout.wEmbed);
        wPos = of(layout, layout.wPos);
        lnfG = of(layout, layout.lnfG);
        lnfB = of(layout, layout.lnfB);
        wVocab = layout.wVocab == null ? wEmbed : of(layout, layout.wVocab);
        layers = new Block[layout.layers.length];
        for (int l = 0; l < layers.length; l++) {
            ParamLayout.Layer s = layout.layers[l];
            layers[l] = new Block(of(layout, s.ln1g()), of(layout, s.ln1b()), of(layout, s.wq()), of(layout, s.wk()), of(layout, s.wv()),
                    of(layout, s.bq()), of(layout, s.bk()), of(layout, s.bv()), of(layout, s.wo()), of(layout, s.bo()),
                    of(layout, s.ln2g()), of(layout, s.ln2b()), of(layout, s.w1()), of(layout, s.b1()), of(layout, s.w2()), of(layout, s.b2()));
        }
    }

    private Tensor of(ParamLayout layout, ParamLayout.Spec s) {
        return s == null ? null : bySpec[layout.specs().indexOf(s)];
    }

    /** The view of the i-th spec in layout order. */
    public Tensor get(int specIndex) { return bySpec[specIndex]; }
}
