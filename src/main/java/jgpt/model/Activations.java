package jgpt.model;

import jgpt.tensor.DType;
import jgpt.tensor.Tensor;

/**
 * Every buffer one forward + backward needs for a (B, T) shape, allocated once (llm.c style).
 * Forward activations are kept per layer for the backward pass; backward scratch is shared by all layers.
 * N = B·T positions, C = embd, F = ffn, H = heads, V = vocab.
 */
final class Activations {
    final int B, T;
    final boolean masks;           // dropout masks allocated
    final int[] tokens, targets;   // (N) copies of the last forward's inputs
    boolean hasTargets, dropoutActive;
    final Tensor x0;               // (N, C) embeddings + positions
    final Tensor embMask;          // (N, C) dropout mask, null when the model has no dropout
    final Layer[] layers;
    final Tensor lnf, lnfMean, lnfRstd;   // (N, C), (N), (N) final norm (pre-LN)
    Tensor xFinal;                 // view of whichever buffer feeds the output projection
    final Tensor logits, dLogits;  // (N, V)
    final Tensor losses;           // (N)
    // backward scratch
    Tensor dStream, dNext;         // (N, C) gradient of the residual stream (ping-pong)
    final Tensor dTmp, dR1, dR2, dLn, dF, dY, dq, dk, dv;   // (N, C)
    final Tensor dAct, dH;         // (N, F)
    final Tensor dAtt;             // (B, H, T, T)

    /** One block's buffers for N rows. The generator keeps one set for all layers (see GPT#blockForward). */
    static final class Layer {
        final Tensor ln1, ln1Mean, ln1Rstd;   // (N, C), (N), (N)
        final Tensor qRaw, kRaw;              // (N, C) before QK-norm (null without it)
        final Tensor qRstd, kRstd;            // (N·H) per-head QK-norm statistics (null without it)
        final Tensor q, k, v;                 // (N, C) after QK-norm and RoPE when used
        final Tensor att;                     // (B, H, T, T) softmax probabilities (generator: (H, N, context))
        final Tensor y;                       // (N, C) attention output before W_O
        final Tensor o, oMask;                // (N, C) after W_O (+ dropout)
        final Tensor r1;                      // (N, C) residual sum after attention
        final Tensor ln2, ln2Mean, ln2Rstd;   // (N, C), (N), (N)
        final Tensor h, act;                  // (N, F) FFN pre- and post-activation
        final Tensor f, fMask;                // (N, C) FFN output (+ dropout)
        final Tensor r2;                      // (N, C) residual sum after FFN

        Layer(Config cfg, DType dt, String p, int N, int[] attShape, boolean masks) {
            int C = cfg.embd(), F = cfg.ffn(), H = cfg.heads();
            boolean qkn = cfg.qkNorm();
            ln1 = Tensor.zeros(dt, p + "ln1", N, C); ln1Mean = Tensor.zeros(dt, p + "ln1Mean", N); ln1Rstd = Tensor.zeros(dt, p + "ln1Rstd", N);
            qRaw = qkn ? Tensor.zeros(dt, p + "qRaw", N, C) : null; kRaw = qkn ? Tensor.zeros(dt, p + "kRaw", N, C) : null;
            qRstd = qkn ? Tensor.zeros(dt, p + "qRstd", N * H) : null; kRstd = qkn ? Tensor.zeros(dt, p + "kRstd", N * H) : null;
            q = Tensor.zeros(dt, p + "q", N, C); k = Tensor.zeros(dt, p + "k", N, C); v = Tensor.zeros(dt, p + "v", N, C);
            att = Tensor.zeros(dt, p + "att", attShape);
            y = Tensor.zeros(dt, p + "y", N, C);
            o = Tensor.zeros(dt, p + "o", N, C); oMask = masks ? Tensor.zeros(dt, p + "oMask", N, C) : null;
            r1 = Tensor.zeros(dt, p + "r1", N, C);
            ln2 = Tensor.zeros(dt, p + "ln2", N, C); ln2Mean = Tensor.zeros(dt, p + "ln2Mean", N); ln2Rstd = Tensor.zeros(dt, p + "ln2Rstd", N);
            h = Tensor.zeros(dt, p + "h", N, F); act = Tensor.zeros(dt, p + "act", N, F);
            f = Tensor.zeros(dt, p + "f", N, C); fMask = masks ? Tensor.zeros(dt, p + "fMask", N, C) : null;
            r2 = Tensor.zeros(dt, p + "r2", N, C);
        }
    }

    Activations(Config cfg, DType dt, int B, int T, boolean masks) {
        this.B = B;
        this.T = T;
        this.masks = masks;
        int N = B * T, C = cfg.embd(), F = cfg.ffn(), H = cfg.heads(), V = cfg.vocab();
        tokens = new int[N];
        targets = new int[N];
        x0 = Tensor.zeros(dt, "x0", N, C);
        embMask = masks ? Tensor.zeros(dt, "embMask", N, C) : null;
        layers = new Layer[cfg.layers()];
        for (int l = 0; l < layers.length; l++) layers[l] = new Layer(cfg, dt, "act." + l + ".", N, new int[] {B, H, T, T}, masks);
        lnf = Tensor.zeros(dt, "lnf", N, C); lnfMean = Tensor.zeros(dt, "lnfMean", N); lnfRstd = Tensor.zeros(dt, "lnfRstd", N);
        logits = Tensor.zeros(dt, "logits", N, V);
        dLogits = Tensor.zeros(dt, "dLogits", N, V);
        losses = Tensor.zeros(dt, "losses", N);
        dStream = Tensor.zeros(dt, "dStream", N, C); dNext = Tensor.zeros(dt, "dNext", N, C);
        dTmp = Tensor.zeros(dt, "dTmp", N, C); dR1 = Tensor.zeros(dt, "dR1", N, C); dR2 = Tensor.zeros(dt, "dR2", N, C);
        dLn = Tensor.zeros(dt, "dLn", N, C); dF = Tensor.zeros(dt, "dF", N, C); dY = Tensor.zeros(dt, "dY", N, C);
        dq = Tensor.zeros(dt, "dq", N, C); dk = Tensor.zeros(dt, "dk", N, C); dv = Tensor.zeros(dt, "dv", N, C);
        dAct = Tensor.zeros(dt, "dAct", N, F); dH = Tensor.zeros(dt, "dH", N, F);
        dAtt = Tensor.zeros(dt, "dAtt", B, H, T, T);
    }
}
