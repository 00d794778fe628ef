package jgpt.inspect;

import jgpt.UserError;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.ParamLayout;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import jgpt.tensor.Tensor;
import jgpt.train.AdamW;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

public class ExplainerTest {

    /** A character vocabulary for tests: one token per character of ALPHABET. */
    static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz .,\n";
    static final Explainer.Vocab CHARS = Explainer.Vocab.of(
            s -> s.chars().map(ch -> { int i = ALPHABET.indexOf(ch); if (i < 0) throw new IllegalArgumentException("char " + ch); return i; }).toArray(),
            id -> String.valueOf(ALPHABET.charAt(id)));

    /** Random weights with some spread, so probabilities and attention are far from uniform. */
    static GPT model(Config cfg, DType dt, long seed) {
        GPT m = new GPT(cfg, dt, new NaiveKernels()).initGpt2(seed);
        Random r = new Random(seed);
        for (int i = 0; i < m.params.size; i++) m.params.set(i, m.params.get(i) + 0.15 * r.nextGaussian());
        return m;
    }

    static Config tiny() { return Config.gpt2(ALPHABET.length(), 16, 2, 2, 16); }

    @Test void logitGradientIsPMinusOnehotAndMatchesEngine() {
        for (Config cfg : List.of(tiny(), Config.textbook(ALPHABET.length(), 16, 2, 2, 16), Config.rope(ALPHABET.length(), 16, 2, 2, 16))) {
            GPT m = model(cfg, DType.F64, 3);
            Explainer ex = new Explainer(m, CHARS);
            Explainer.Result r = ex.explain("the cat sat", null, 5);
            assertTrue(r.engineDiff() < 1e-12, "engine's dLogits = P − onehot, diff " + r.engineDiff());
            assertEquals(Math.exp(-r.loss()), r.pTarget(), 1e-12, "loss = −log P(target)");
            assertEquals(r.top().get(0).id(), r.target(), "default target is the most likely token");
            for (int i = 1; i < r.top().size(); i++) assertTrue(r.top().get(i - 1).value() >= r.top().get(i).value());
            // The target's logit gradient is P − 1 (negative); every other entry is its probability (positive).
            for (Explainer.Scored s : r.logitGrad())
                if (s.id() == r.target()) assertEquals(r.pTarget() - 1, s.value(), 1e-15);
                else assertTrue(s.value() > 0);

            // With a given target the gradient changes, and still matches the engine.
            Explainer.Result r2 = ex.explain("the cat sat", "z", 3);
            assertEquals(ALPHABET.indexOf('z'), r2.target());
            assertEquals(-Math.log(r2.pTarget()), r2.loss(), 1e-12);
            assertTrue(r2.engineDiff() < 1e-12);

            // Gradient norms: one per parameter tensor, adding up (in squares) to the global norm.
            assertEquals(m.layout.specs().size(), r2.gradNorms().size());
            double ss = r2.gradNorms().values().stream().mapToDouble(v -> v * v).sum();
            assertEquals(r2.gradNorm(), Math.sqrt(ss), 1e-12);
            Tensor g = m.grad("layer.1.w2");
            assertEquals(Math.sqrt(m.k.sumSquares(g, g.size)), r2.gradNorms().get("layer.1.w2"), 1e-15);
            assertTrue(r2.gradNorms().get("layer.0.wq") > 0, "the loss reaches layer 0's W_Q");
        }
    }

    @Test void attentionRowsSumToOneAndAreCausal() {
        GPT m = model(tiny(), DType.F64, 5);
        Explainer.Result r = new Explainer(m, CHARS).explain("to be or not", null, 3);
        int T = r.T();
        assertEquals(tiny().layers(), r.attention().length);
        for (double[][] layer : r.attention())
            for (double[] a : layer)
                for (int i = 0; i < T; i++) {
                    double sum = 0;
                    for (int j = 0; j < T; j++) {
                        if (j > i) assertEquals(0.0, a[i * T + j], "no attention to the future");
                        else assertTrue(a[i * T + j] > 0);
                        sum += a[i * T + j];
                    }
                    assertEquals(1.0, sum, 1e-12);
                }
    }

    @Test void nudgeAgreesWithGradientToFirstOrder() {
        GPT m = model(tiny(), DType.F64, 11);
        Explainer ex = new Explainer(m, CHARS);
        ex.explain("a fine day", "s", 3);
        double[] before = m.params.toDoubles();
        for (String name : List.of("layer.0.wq", "layer.1.w2", "layer.0.b1", "wEmbed")) {
            ParamLayout.Spec s = m.layout.get(name);
            // the entry with the largest gradient, so the prediction is far from zero
            Tensor g = m.grad(name);
            int best = 0;
            for (int i = 1; i < g.size; i++) if (Math.abs(g.get(i)) > Math.abs(g.get(best))) best = i;
            String spec = s.shape().length == 2 ? name + "[" + best / s.shape()[1] + "," + best % s.shape()[1] + "]" : name + "[" + best + "]";
            double prev = Double.POSITIVE_INFINITY;
            for (double eps : new double[]{1e-2, 1e-3, 1e-4}) {
                Explainer.Nudge n = ex.nudge(spec, eps);
                assertEquals(g.get(best), n.g(), 0.0);
                assertEquals(eps, n.stepPlus(), eps * 1e-9, "F64 applies ε almost exactly");
                assertEquals(n.g() * n.stepPlus(), n.predicted(), 0.0);
                double rel = n.relError();
                assertTrue(rel < prev, spec + ": relative difference " + rel + " at ε=" + eps + " not below " + prev);
                assertEquals(-n.predicted(), n.measuredMinus(), Math.abs(n.predicted()) * 0.2, "the −ε step mirrors it");
                prev = rel;
                assertEquals(n.g(), n.centralGrad(), Math.abs(n.g()) * 1e-3, "central difference recovers g");
            }
            assertTrue(prev < 1e-2, spec + ": at ε=1e-4 measured and predicted agree to " + prev);
        }
        assertArrayEquals(before, m.params.toDoubles(), 0.0, "weights restored");
    }

    @Test void userErrors() {
        GPT m = model(tiny(), DType.F64, 1);
        Explainer ex = new Explainer(m, CHARS);
        UserError e = assertThrows(UserError.class, () -> ex.explain("abc", "xy", 3));
        assertTrue(e.getMessage().contains("2 tokens"), e.getMessage());
        assertThrows(UserError.class, () -> ex.explain("", null, 3));
        assertThrows(UserError.class, () -> ex.explain("a".repeat(17), null, 3));
        ex.explain("abc", null, 3);
        assertThrows(UserError.class, () -> ex.nudge("layer.0.wq[16,0]", 1e-3));
        assertThrows(UserError.class, () -> ex.nudge("layer.0.wq[1]", 1e-3));
        assertTrue(assertThrows(UserError.class, () -> ex.nudge("wVocab[0,0]", 1e-3)).getMessage().contains("tied"));
        assertThrows(UserError.class, () -> ex.nudge("nope", 1e-3));
    }

    public static final String FACT = "the capital of france is paris. ";

    /** AdamW on random windows of seq (block-sized, batch 1): enough steps make a tiny model memorise a sentence. */
    public static void train(GPT m, int[] seq, int steps) {
        int T = m.cfg.block();
        int[] x = new int[T], y = new int[T];
        AdamW opt = new AdamW(m, 0.9, 0.99, 1e-8, 0, true);
        Random r = new Random(0);
        for (int step = 0; step < steps; step++) {
            int off = r.nextInt(seq.length - T - 1);
            System.arraycopy(seq, off, x, 0, T);
            System.arraycopy(seq, off + 1, y, 0, T);
            m.zeroGrad();
            m.forward(x, y, 1, T);
            m.backward();
            opt.step(1e-2);
        }
    }

    @Test void probeTeacherForcingEqualsTokenByTokenAndFindsTrainedFact() {
        Config cfg = Config.gpt2(ALPHABET.length(), 32, 2, 2, 32);
        GPT m = new GPT(cfg, DType.F32, new NaiveKernels()).initGpt2(1);
        train(m, CHARS.encode(FACT.repeat(3)), 150);
        Prober p = new Prober(m, CHARS);
        String prompt = "the capital of france is";
        List<Prober.Scored> ranked = p.rank(prompt, List.of(" rome", " paris", " london"));
        assertEquals(" paris", ranked.get(0).text(), "trained on the fact, the model ranks it first");
        assertTrue(ranked.get(0).mean() > Math.log(0.5), "and finds it likely: mean log P per token " + ranked.get(0).mean());

        // Teacher forcing in one forward equals predicting token by token from growing prefixes.
        for (Prober.Scored s : ranked) {
            double sum = 0;
            String prefix = prompt;
            for (int i = 0; i < s.tokens().length; i++) {
                int[] t = CHARS.encode(prefix);
                m.forward(t, null, 1, t.length);
                sum += Math.log(Explainer.softmaxRow(m.logits(), (t.length - 1) * cfg.vocab(), cfg.vocab())[s.tokens()[i]]);
                prefix += s.texts()[i];
            }
            assertEquals(sum, s.total(), 1e-4, s.text());
            assertEquals(s.total() / s.tokens().length, s.mean(), 1e-12);
        }
    }
}
