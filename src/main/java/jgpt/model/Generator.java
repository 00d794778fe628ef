package jgpt.model;

import java.util.Arrays;
import java.util.function.IntConsumer;
import jgpt.tensor.Tensor;

/**
 * Inference with a key/value cache, batch 1. Every layer keeps the keys (after RoPE) and values of the
 * positions seen so far, so a new token costs one pass of mat-vecs (M = 1 matmuls) plus attention over the
 * cache, instead of a forward over the whole prefix. Each pass runs the model's own {@link GPT#blockForward} with a
 * {@link KvCache} (one transformer implementation, two ways to call it), so every variant decodes as it trains.
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
    public final int maxT;                 // cache capacity = the model's context
    public final int chunk;                // positions per prefill pass
    private final KvCache cache;           // keys and values of positions [0, length)
    private final Activations.Layer s;     // one block's buffers for up to `chunk` rows, reused by every layer
    private final Tensor x0;               // (chunk, C) embeddings of the new positions
    private final int[] one = new int[1];  // the token of a single-step pass
    private final Tensor last, lastLn;     // (1, C) the newest position's last block output, and its final norm
    private final Tensor mean, rstd;       // (1) final norm statistics
    private final Tensor logits;           // (1, V) logits of the newest position
    private Tensor out;                    // the last block's output for the last pass (a buffer of s, or x0)
    private int length;                    // cache rows [0, length) are valid

    public Generator(GPT model) { this(model, 64); }

    /** @param chunk positions per prefill pass (≥ 1); memory is O(chunk·(C + F) + H·chunk·block). */
    public Generator(GPT model, int chunk) {
        if (chunk < 1) throw new IllegalArgumentException("chunk must be ≥ 1, got " + chunk);
        this.model = model;
        this.cfg = model.cfg;
        this.maxT = cfg.block();
        this.chunk = Math.min(chunk, maxT);
        var dt = model.dtype;
        int C = cfg.embd(), H = cfg.heads(), V = cfg.vocab(), n = this.chunk;
        cache = new KvCache(cfg, dt);
        s = new Activations.Layer(cfg, dt, "gen.", n, new int[] {H, n, maxT}, false);
        x0 = Tensor.zeros(dt, "gen.x0", n, C);
        last = Tensor.zeros(dt, "gen.last", 1, C);
        lastLn = Tensor.zeros(dt, "gen.lastLn", 1, C);
        mean = Tensor.zeros(dt, "gen.mean", 1);
        rstd = Tensor.zeros(dt, "gen.rstd", 1);
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
        one[0] = token;
        forwardChunk(one, 0, 1, pos);
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
            forwardChunk(tokens, off + done, rows, pos0 + done);
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

    /** One pass of rows tokens[off..off+n) at positions pos0.. through every block: the model's own block code. */
    private void forwardChunk(int[] tokens, int off, int n, int pos0) {
        model.embedForward(x0, tokens, off, n, n, pos0);
        Tensor x = x0;
        for (int l = 0; l < cfg.layers(); l++) x = model.blockForward(l, s, x, 1, n, pos0, cache, false);
        out = x;
    }

    /** Logits of the last of the n rows of the last pass: only that row needs the final norm and W_vocab. */
    private void finish(int n) {
        int C = cfg.embd();
        last.copyFrom(out, (n - 1) * C, 0, C);
        model.headForward(logits, lastLn, mean, rstd, last, 1);
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
