package jgpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import jgpt.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** KV-cache inference against full recomputes with GPT.forward, for every variant, in F32 and F64. */
class GeneratorTest {

    static final int V = 13, T = 7, L = 2, H = 2, C = 8;

    static List<Config> configs() {
        return List.of(
                Config.gpt2(V, T, L, H, C),
                Config.textbook(V, T, L, H, C),
                Config.rope(V, T, L, H, C),
                new Config(V, T, L, H, C, 12, Config.Norm.POST, Config.Activation.GELU, Config.Positions.LEARNED, true, false, 10000, 1e-5),
                new Config(V, T, L, H, C, 20, Config.Norm.PRE, Config.Activation.RELU, Config.Positions.SINUSOIDAL, false, true, 10000, 1e-5),
                new Config(V, T, L, H, C, 16, Config.Norm.POST, Config.Activation.RELU, Config.Positions.ROPE, true, true, 500, 1e-5),
                new Config(V, T, 3, 4, C, 16, Config.Norm.PRE, Config.Activation.GELU, Config.Positions.LEARNED, false, false, 10000, 1e-5),
                new Config(V, T, L, H, C, 16, Config.Norm.PRE, Config.Activation.RELU2, Config.Positions.ROPE, false, false, 10000, 1e-5, Config.NormType.RMS, true, 2.0),
                new Config(V, T, L, H, C, 12, Config.Norm.POST, Config.Activation.RELU2, Config.Positions.LEARNED, true, true, 10000, 1e-5, Config.NormType.RMS, true, 0));
    }

    static Stream<Arguments> variants() {
        List<Arguments> out = new ArrayList<>();
        for (Config c : configs()) for (DType dt : DType.values()) out.add(Arguments.of(c, dt));
        return out.stream();
    }

    static double tol(DType dt) { return dt == DType.F32 ? 1e-5 : 1e-12; }

    /** Random weights with LayerNorm gains and biases off their defaults so every term matters. */
    static GPT randomModel(Config cfg, DType dt, long seed) {
        return RandomModels.of(cfg, dt, seed, 0.2);
    }

    static int[] randomTokens(int n, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(V);
        return t;
    }

    /** Logits of the last position from a full forward over tokens[0, n). */
    static double[] reference(GPT m, int[] tokens, int n) {
        m.forward(Arrays.copyOf(tokens, n), null, 1, n);
        Tensor lg = m.logits();
        double[] out = new double[m.cfg.vocab()];
        for (int j = 0; j < out.length; j++) out[j] = lg.get((n - 1) * m.cfg.vocab() + j);
        return out;
    }

    static void assertClose(double[] want, Tensor got, double tol, String what) {
        double maxDiff = 0;
        for (int j = 0; j < want.length; j++) maxDiff = Math.max(maxDiff, Math.abs(want[j] - got.get(j)));
        assertTrue(maxDiff <= tol, what + ": max |Δlogit| " + maxDiff + " > " + tol);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("variants")
    void stepMatchesFullForwardAtEveryPosition(Config cfg, DType dt) {
        GPT m = randomModel(cfg, dt, 1);
        Generator g = new Generator(m);
        int[] toks = randomTokens(T, 2);
        double spread = 0;
        for (int pos = 0; pos < T; pos++) {
            Tensor got = g.step(toks[pos], pos);
            double[] want = reference(m, toks, pos + 1);
            assertClose(want, got, tol(dt), "position " + pos);
            spread = Math.max(spread, Arrays.stream(want).max().getAsDouble() - Arrays.stream(want).min().getAsDouble());
        }
        assertTrue(spread > 0.1, "logits should vary, the comparison would be vacuous: spread " + spread);
        assertEquals(T, g.length());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("variants")
    void chunkedPrefillThenStepsMatchFullForward(Config cfg, DType dt) {
        GPT m = randomModel(cfg, dt, 3);
        Generator g = new Generator(m, 3);                  // chunks of 3, 3, then 1 for a 7-token prompt
        int[] toks = randomTokens(T, 4);
        assertClose(reference(m, toks, 5), g.prefill(toks, 0, 5, 0), tol(dt), "prefill of 5");
        assertClose(reference(m, toks, 6), g.step(toks[5], 5), tol(dt), "step after prefill");
        // a prefill continuing a cache, and rewinding to an earlier position with a different token
        g.reset();
        g.step(toks[0], 0);
        assertClose(reference(m, toks, T), g.prefill(toks, 1, T - 1, 1), tol(dt), "prefill continuing a cache");
        int[] other = toks.clone();
        other[2] = (toks[2] + 1) % V;
        assertClose(reference(m, other, 3), g.step(other[2], 2), tol(dt), "rewind to position 2");
        assertClose(reference(m, other, 4), g.step(other[3], 3), tol(dt), "step after rewind");
    }

    /** nanoGPT's loop, literally: crop to the last block tokens, full forward, sample from the last row. */
    static int[] nanoGptLoop(GPT m, int[] prompt, int n, Sampler sampler) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + n);
        int len = prompt.length, Vv = m.cfg.vocab();
        for (int i = 0; i < n; i++) {
            int start = Math.max(0, len - m.cfg.block()), t = len - start;
            m.forward(Arrays.copyOfRange(seq, start, len), null, 1, t);
            seq[len++] = sampler.sample(m.logits().view("last", (t - 1) * Vv, Vv));
        }
        return seq;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void generationPastTheContextMatchesNanoGptCropping(Config cfg) {
        GPT m = randomModel(cfg, DType.F64, 5);             // F64: no draw near a boundary can flip between the two paths
        int[] prompt = randomTokens(T + 3, 6);              // longer than the context: cropped
        int n = 2 * T;                                      // runs far past the context: the window slides
        List<Integer> streamed = new ArrayList<>();
        Generator.Result r = new Generator(m, 4).generate(prompt, n, new Sampler(V, 1.0, 0, 1, 11), streamed::add);
        int[] want = nanoGptLoop(m, prompt, n, new Sampler(V, 1.0, 0, 1, 11));
        assertArrayEquals(want, r.tokens());
        assertEquals(n, r.generated());
        assertArrayEquals(Arrays.copyOfRange(want, prompt.length, want.length), streamed.stream().mapToInt(Integer::intValue).toArray());
        assertTrue(Arrays.stream(r.newTokens()).distinct().count() > 2, "the continuation should vary, or the comparison is weak");
        // greedy too
        int[] greedy = new Generator(m, 4).generate(prompt, n, new Sampler(V, 0, 0, 1, 0), null).tokens();
        assertArrayEquals(nanoGptLoop(m, prompt, n, new Sampler(V, 0, 0, 1, 0)), greedy);
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        GPT m = randomModel(Config.gpt2(V, T, L, H, C), DType.F32, 7);
        int[] prompt = {1, 2};
        int[] a = new Generator(m).generate(prompt, 30, new Sampler(V, 1.0, 0, 1, 42), null).tokens();
        int[] b = new Generator(m).generate(prompt, 30, new Sampler(V, 1.0, 0, 1, 42), null).tokens();
        int[] c = new Generator(m).generate(prompt, 30, new Sampler(V, 1.0, 0, 1, 43), null).tokens();
        assertArrayEquals(a, b);
        assertTrue(!Arrays.equals(a, c), "different seeds should give different samples");
    }

    @Test
    void stepAllocatesNothing() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(), "this JVM cannot count allocations");
        GPT m = randomModel(Config.rope(V, 64, L, H, C), DType.F32, 8);
        Generator g = new Generator(m);
        Sampler s = new Sampler(V, 0.9, 5, 0.9, 1);
        int tok = 0;
        for (int i = 0; i < 64; i++) tok = s.sample(g.step(tok, i));   // warm-up
        long tid = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int rep = 0; rep < 4; rep++)
            for (int i = 0; i < 64; i++) tok = s.sample(g.step(tok, i));
        long bytes = mx.getThreadAllocatedBytes(tid) - before;
        assertTrue(bytes < 2048, "256 steps + samples allocated " + bytes + " bytes");
    }

    @Test
    void rejectsPositionsOutsideTheCacheOrContext() {
        GPT m = randomModel(Config.gpt2(V, T, L, H, C), DType.F64, 9);
        Generator g = new Generator(m);
        assertThrows(IllegalArgumentException.class, () -> g.step(1, 1));          // position 0 not cached yet
        g.prefill(randomTokens(T, 1), 0, T, 0);
        assertThrows(IllegalArgumentException.class, () -> g.step(1, T));          // past the context
        assertThrows(IllegalArgumentException.class, () -> g.step(V, 0));          // not a token
    }

    @Test
    void weightBytesCountTheOutputProjectionOnceAndOneEmbeddingRow() {
        Config tied = Config.gpt2(V, T, L, H, C);
        GPT m = new GPT(tied, DType.F32, new NaiveKernels());
        long perLayer = 0;
        for (ParamLayout.Spec s : m.layout.specs()) if (s.layer() >= 0) perLayer += s.size();
        long want = perLayer + 2L * C /* lnf */ + (long) V * C /* wEmbed as output */ + C /* one wPos row */;
        assertEquals(4 * want, Generator.weightBytesPerToken(m));

        Config untied = Config.rope(V, T, L, H, C);   // no wPos, no biases, separate wVocab
        GPT u = new GPT(untied, DType.F64, new NaiveKernels());
        long layers = 0;
        for (ParamLayout.Spec s : u.layout.specs()) if (s.layer() >= 0) layers += s.size();
        assertEquals(8 * (layers + C /* lnfG */ + (long) V * C /* wVocab */ + C /* one wEmbed row */), Generator.weightBytesPerToken(u));
    }

    @Test
    void tokensPerSecondIsPositive() {
        GPT m = randomModel(Config.gpt2(V, 16, 1, H, C), DType.F32, 10);
        double tps = Generator.tokensPerSecond(m, 40);     // wraps past the 16-token context
        assertTrue(tps > 0 && Double.isFinite(tps), "tokens/s " + tps);
    }
}
