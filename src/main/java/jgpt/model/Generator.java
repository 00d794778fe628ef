package jgpt.model;

import java.util.Arrays;
import java.util.function.IntConsumer;
import jgpt.tensor.Kernels;
import jgpt.tensor.Tensor;

/**
 * Inference with a key/value cache, batch 1. Every layer keeps the keys (after RoPE) and values of the
 * positions seen so far, so a new token costs one pass of mat-vecs (M = 1 matmuls) plus attention over the
 * cache, instead of a forward over the whole prefix. The math mirrors {@link GPT#forward} line by line (every
 * variant: pre/post-LN, learned/sinusoidal/RoPE positions, tied/untied output, with or without biases).
 * <p>
 * Prompts go through {@link #prefill} in chunks of up to {@code chunk} positions (M = chunk matmuls, which fast
 * kernels turn into real matrix products). All buffers are allocated here, once: {@link #step} allocates nothing.
 * <p>
 * Context limit ({@link #generate}): a prompt longer than the context keeps its last {@code block} tokens, and once
 * the window is full every new token crops the sequence to its last {@code block} tokens and recomputes the cache
 * from position 0 — exactly nanoGPT's {@code idx[:, -block_size:]} each step (positions shift, so no cached key can
 * be reused). Past the limit each token therefore costs a full prefill of {@code block} positions.
 */
public final class Generator {
    public final GPT model;
    private final Config cfg;
    private final Kernels k;
    private final Weights w;
    private final boolean pre;
    public final int maxT;                 // cache capacity = the model's context
    public final int chunk;                // positions per prefill pass
    private final Tensor[] kCache, vCache; // per layer (maxT, C): keys (rotated when RoPE) and values of positions [0, length)
    private final Tensor sinusoid;         // (maxT, C) fixed positions, or null
    // per-pass buffers for up to `chunk` positions; decoding uses their first row
    private Tensor cur, nxt;               // (chunk, C) residual stream in and out of a block (swapped per layer)
    private final Tensor ln;               // (chunk, C) LayerNorm output (LN1, then LN2 in pre-LN)
    private final Tensor q, kNew, vNew;    // (chunk, C) projections of the new positions
    private final Tensor y, o, r1, f, r2;  // (chunk, C) attention output, after W_O, residual sums, FFN output
    private final Tensor h, act;           // (chunk, F) FFN pre- and post-activation
    private final Tensor mean, rstd;       // (chunk) LayerNorm statistics (unused, the kernel wants them)
    private final Tensor att;              // (H, chunk, maxT) attention probabilities of the last pass
    private final Tensor last, lastLn;     // (1, C) final hidden state of the newest position
    private final Tensor logits;           // (1, V) logits of the newest position
    private int length;                    // cache rows [0, length) are valid

    public Generator(GPT model) { this(model, 64); }

    /** @param chunk positions per prefill pass (≥ 1); memory is O(chunk·(C + F) + H·chunk·block). */
    public Generator(GPT model, int chunk) {
        if (chunk < 1) throw new IllegalArgumentException("chunk must be ≥ 1, got " + chunk);
        this.model = model;
        this.cfg = model.cfg;
        this.k = model.k;
        this.w = model.w;
        this.pre = cfg.norm() == Config.Norm.PRE;
        this.maxT = cfg.block();
        this.chunk = Math.min(chunk, maxT);
        var dt = model.dtype;
        int C = cfg.embd(), F = cfg.ffn(), H = cfg.heads(), V = cfg.vocab(), L = cfg.layers(), n = this.chunk;
        kCache = new Tensor[L];
        vCache = new Tensor[L];
        for (int l = 0; l < L; l++) {
            kCache[l] = Tensor.zeros(dt, "kcache." + l, maxT, C);
            vCache[l] = Tensor.zeros(dt, "vcache." + l, maxT, C);
        }
        sinusoid = cfg.positions() == Config.Positions.SINUSOIDAL ? GPT.sinusoidTable(dt, maxT, C) : null;
        cur = Tensor.zeros(dt, "gen.x", n, C);
        nxt = Tensor.zeros(dt, "gen.xNext", n, C);
        ln = Tensor.zeros(dt, "gen.ln", n, C);
        q = Tensor.zeros(dt, "gen.q", n, C);
        kNew = Tensor.zeros(dt, "gen.k", n, C);
        vNew = Tensor.zeros(dt, "gen.v", n, C);
        y = Tensor.zeros(dt, "gen.y", n, C);
        o = Tensor.zeros(dt, "gen.o", n, C);
        r1 = Tensor.zeros(dt, "gen.r1", n, C);
        f = Tensor.zeros(dt, "gen.f", n, C);
        r2 = Tensor.zeros(dt, "gen.r2", n, C);
        h = Tensor.zeros(dt, "gen.h", n, F);
        act = Tensor.zeros(dt, "gen.act", n, F);
        mean = Tensor.zeros(dt, "gen.mean", n);
        rstd = Tensor.zeros(dt, "gen.rstd", n);
        att = Tensor.zeros(dt, "gen.att", H, n, maxT);
        last = Tensor.zeros(dt, "gen.last", 1, C);
        lastLn = Tensor.zeros(dt, "gen.lastLn", 1, C);
        logits = Tensor.zeros(dt, "gen.logits", 1, V);
    }

    /** Number of cached positions. */
    public int length() { return length; }

    /** Forgets every cached position (the buffers stay allocated). */
    public void reset() { length = 0; }

    /** Logits (1, V) of the newest position. */
    public Tensor logits() { return logits; }

    /**
     * Runs one token at position pos (0 ≤ pos ≤ length(), pos &lt; block) attending over cached positions [0, pos]
     * and returns its logits (1, V). pos &lt; length() rewinds: positions after pos are forgotten.
     */
    public Tensor step(int token, int pos) {
        checkRange(pos, 1);
        forwardChunk(null, token, 0, 1, pos);
        length = pos + 1;
        finish(1);
        return logits;
    }

    /**
     * Runs tokens[off, off+n) at positions [pos0, pos0+n) (pos0 ≤ length(), pos0+n ≤ block) in chunks and returns the
     * logits (1, V) of the last one. The cache then holds positions [0, pos0+n).
     */
    public Tensor prefill(int[] tokens, int off, int n, int pos0) {
        if (n < 1) throw new IllegalArgumentException("prefill needs at least one token");
        checkRange(pos0, n);
        int done = 0, rows = 0;
        while (done < n) {
            rows = Math.min(chunk, n - done);
            forwardChunk(tokens, 0, off + done, rows, pos0 + done);
            done += rows;
            length = pos0 + done;
        }
        finish(rows);
        return logits;
    }

    private void checkRange(int pos0, int n) {
        if (pos0 < 0 || pos0 > length)
            throw new IllegalArgumentException("position " + pos0 + " is not next to the cache (0.." + length + " cached)");
        if (pos0 + n > maxT)
            throw new IllegalArgumentException("positions up to " + (pos0 + n - 1) + " exceed the model's context " + maxT);
    }

    /**
     * One pass of n rows through every block: rows are tokens[off..off+n) (or the single token when tokens is null) at
     * positions pos0.. . Leaves the last block's output in {@code cur}.
     */
    private void forwardChunk(int[] tokens, int token, int off, int n, int pos0) {
        int C = cfg.embd(), F = cfg.ffn(), H = cfg.heads(), V = cfg.vocab();
        // x0 = wEmbed[token] + P[pos], summed in double and rounded once, as GPT.forward does
        for (int i = 0; i < n; i++) {
            int tok = tokens == null ? token : tokens[off + i], t = pos0 + i;
            if (tok < 0 || tok >= V) throw new IllegalArgumentException("token id " + tok + " outside vocabulary of " + V);
            for (int c = 0; c < C; c++) {
                double x = w.wEmbed.get(tok * C + c);
                if (w.wPos != null) x += w.wPos.get(t * C + c);
                else if (sinusoid != null) x += sinusoid.get(t * C + c);
                cur.set(i * C + c, x);
            }
        }
        for (int l = 0; l < cfg.layers(); l++) {
            Weights.Block p = w.layers[l];
            // ---- attention sub-layer
            Tensor attnIn = cur;
            if (pre) { k.layerNorm(ln, mean, rstd, cur, p.ln1g(), p.ln1b(), n, C, cfg.lnEps()); attnIn = ln; }
            linear(q, attnIn, p.wq(), p.bq(), n, C, C);
            linear(kNew, attnIn, p.wk(), p.bk(), n, C, C);
            linear(vNew, attnIn, p.wv(), p.bv(), n, C, C);
            if (cfg.positions() == Config.Positions.ROPE) {
                k.rope(q, 1, n, C, H, pos0, cfg.ropeTheta(), false);
                k.rope(kNew, 1, n, C, H, pos0, cfg.ropeTheta(), false);
            }
            copyRows(kNew, kCache[l], pos0 * C, n * C);
            copyRows(vNew, vCache[l], pos0 * C, n * C);
            k.attentionCached(y, att, q, kCache[l], vCache[l], n, pos0, C, H);
            linear(o, y, p.wo(), p.bo(), n, C, C);
            k.add(r1, cur, o, n * C);
            // ---- FFN sub-layer
            if (pre) k.layerNorm(ln, mean, rstd, r1, p.ln2g(), p.ln2b(), n, C, cfg.lnEps());
            else k.layerNorm(ln, mean, rstd, r1, p.ln1g(), p.ln1b(), n, C, cfg.lnEps());
            linear(h, ln, p.w1(), p.b1(), n, C, F);
            if (cfg.activation() == Config.Activation.GELU) k.gelu(act, h, n * F); else k.relu(act, h, n * F);
            linear(f, act, p.w2(), p.b2(), n, F, C);
            if (pre) k.add(nxt, r1, f, n * C);
            else {
                k.add(r2, ln, f, n * C);
                k.layerNorm(nxt, mean, rstd, r2, p.ln2g(), p.ln2b(), n, C, cfg.lnEps());
            }
            Tensor t = cur; cur = nxt; nxt = t;
        }
    }

    /** Logits of the last of the n rows in {@code cur}: only that row needs the final LayerNorm and W_vocab. */
    private void finish(int n) {
        int C = cfg.embd(), V = cfg.vocab();
        copyRange(cur, (n - 1) * C, last, 0, C);
        Tensor x = last;
        if (pre) { k.layerNorm(lastLn, mean, rstd, last, w.lnfG, w.lnfB, 1, C, cfg.lnEps()); x = lastLn; }
        k.matmulNT(logits, x, w.wVocab, 1, C, V, false);   // logits = x · wVocabᵀ
    }

    private void linear(Tensor out, Tensor in, Tensor weight, Tensor bias, int n, int IC, int OC) {
        k.matmul(out, in, weight, n, IC, OC, false);
        if (bias != null) k.addBias(out, bias, n, OC);
    }

    private static void copyRows(Tensor src, Tensor dst, int dstOff, int count) { copyRange(src, 0, dst, dstOff, count); }

    private static void copyRange(Tensor src, int srcOff, Tensor dst, int dstOff, int count) {
        if (src.f != null) System.arraycopy(src.f, src.off + srcOff, dst.f, dst.off + dstOff, count);
        else System.arraycopy(src.d, src.off + srcOff, dst.d, dst.off + dstOff, count);
    }

    // ============================================================================================ generation

    /**
     * Tokens of one generation: the whole sequence (prompt then new tokens), how many were new, the time to run the
     * prompt and the time to produce the new tokens (sampling and the callback included).
     */
    public record Result(int[] tokens, int promptLength, int generated, long promptNanos, long decodeNanos) {
        public int[] newTokens() { return Arrays.copyOfRange(tokens, promptLength, promptLength + generated); }
        public double tokensPerSecond() { return decodeNanos > 0 ? generated / (decodeNanos / 1e9) : Double.NaN; }
    }

    /**
     * Appends maxNew sampled tokens to prompt, calling onToken (may be null) with each as soon as it is chosen.
     * A prompt longer than the context is cropped to its last block tokens; at the context limit the window slides
     * (see the class comment).
     */
    public Result generate(int[] prompt, int maxNew, Sampler sampler, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("generation needs a prompt of at least one token");
        if (maxNew < 0) throw new IllegalArgumentException("maxNew must be ≥ 0");
        int[] seq = Arrays.copyOf(prompt, prompt.length + maxNew);
        int n = prompt.length;
        long t0 = System.nanoTime();
        int start = Math.max(0, n - maxT);
        reset();
        prefill(seq, start, n - start, 0);
        long t1 = System.nanoTime();
        for (int i = 0; i < maxNew; i++) {
            int tok = sampler.sample(logits);
            seq[n++] = tok;
            if (onToken != null) onToken.accept(tok);
            if (i == maxNew - 1) break;                    // the last token needs no forward
            if (length < maxT) step(tok, length);
            else prefill(seq, n - maxT, maxT, 0);          // window full: crop to the last block tokens, recompute
        }
        long t2 = System.nanoTime();
        return new Result(seq, prompt.length, maxNew, t1 - t0, t2 - t1);
    }

    // ============================================================================================ benchmark

    /**
     * Decoding throughput at batch 1: greedy tokens per second from a 1-token prompt (token 0), after a short warm-up,
     * through {@link #step}. When newTokens exceeds the context the cache restarts at position 0 (steady-state decoding
     * speed, not the cost of sliding).
     */
    public static double tokensPerSecond(GPT model, int newTokens) {
        if (newTokens < 1) throw new IllegalArgumentException("newTokens must be ≥ 1");
        Generator g = new Generator(model);
        Sampler greedy = new Sampler(model.cfg.vocab(), 0, 0, 1, 0);
        decodeGreedy(g, greedy, Math.min(newTokens, 16));     // JIT warm-up
        long t0 = System.nanoTime();
        decodeGreedy(g, greedy, newTokens);
        return newTokens / ((System.nanoTime() - t0) / 1e9);
    }

    private static void decodeGreedy(Generator g, Sampler s, int n) {
        int tok = 0;
        g.reset();
        for (int i = 0; i < n; i++) {
            int pos = i % g.maxT;
            if (pos == 0) g.reset();
            tok = s.sample(g.step(tok, pos));
        }
    }

    /**
     * Weight bytes read from memory per decoded token: every block's weights, the final LayerNorm and the full output
     * projection (V × C, which is wEmbed when tied), plus one row of wEmbed and of wPos. Divide a memory bandwidth by it
     * for the upper bound on tokens/s (the KV cache adds 2·L·t·C more at position t).
     */
    public static long weightBytesPerToken(GPT model) {
        Config c = model.cfg;
        ParamLayout lay = model.layout;
        long C = c.embd(), VC = (long) c.vocab() * C;
        long pos = lay.wPos == null ? 0 : lay.wPos.size();
        long elems = lay.total - pos + (lay.wPos == null ? 0 : C);    // positions: one row
        if (lay.wVocab != null) elems = elems - VC + C;               // untied: wEmbed is read one row at a time
        return elems * (model.dtype == jgpt.tensor.DType.F32 ? 4 : 8);
    }
}
