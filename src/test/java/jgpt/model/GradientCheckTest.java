package jgpt.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import jgpt.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The whole model's backward pass against central finite differences, in double precision, for every variant. */
class GradientCheckTest {

    static Stream<Arguments> variants() {
        int V = 11, T = 5, L = 2, H = 2, C = 8;
        Config gpt2 = Config.gpt2(V, T, L, H, C);
        Config textbook = Config.textbook(V, T, L, H, C);
        Config rope = Config.rope(V, T, L, H, C);
        return Stream.of(
                Arguments.of("gpt2", gpt2, 0.0),
                Arguments.of("textbook", textbook, 0.0),
                Arguments.of("rope", rope, 0.0),
                // switches crossed the other way round
                Arguments.of("post-LN gelu learned tied no-bias", new Config(V, T, L, H, C, 12, Config.Norm.POST, Config.Activation.GELU, Config.Positions.LEARNED, true, false, 10000, 1e-5), 0.0),
                Arguments.of("pre-LN relu sinusoidal untied bias", new Config(V, T, L, H, C, 20, Config.Norm.PRE, Config.Activation.RELU, Config.Positions.SINUSOIDAL, false, true, 10000, 1e-5), 0.0),
                Arguments.of("post-LN rope relu", new Config(V, T, L, H, C, 16, Config.Norm.POST, Config.Activation.RELU, Config.Positions.ROPE, true, true, 500, 1e-5), 0.0),
                Arguments.of("gpt2 with dropout", gpt2, 0.2),
                // the modern recipe's switches, alone and together
                Arguments.of("pre-LN RMSNorm", gpt2.withModern(Config.NormType.RMS, false, 0), 0.0),
                Arguments.of("post-LN RMSNorm relu2", new Config(V, T, L, H, C, 12, Config.Norm.POST, Config.Activation.RELU2, Config.Positions.LEARNED, true, true, 10000, 1e-5, Config.NormType.RMS, false, 0), 0.0),
                Arguments.of("qk-norm learned with biases", gpt2.withModern(Config.NormType.LAYER, true, 0), 0.0),
                Arguments.of("qk-norm rope post-LN", new Config(V, T, L, H, C, 16, Config.Norm.POST, Config.Activation.GELU, Config.Positions.ROPE, false, true, 500, 1e-5, Config.NormType.LAYER, true, 0), 0.0),
                Arguments.of("logit soft-cap", gpt2.withModern(Config.NormType.LAYER, false, 1.5), 0.0),
                Arguments.of("modern: rope rms qk-norm relu2 soft-cap untied no-bias", new Config(V, T, L, H, C, 16, Config.Norm.PRE, Config.Activation.RELU2, Config.Positions.ROPE, false, false, 10000, 1e-5, Config.NormType.RMS, true, 2.0), 0.1));
    }

    /** Random parameters with enough spread that every non-linearity is exercised (gains and biases off their defaults). */
    static GPT randomModel(Config cfg, long seed) {
        return RandomModels.of(cfg, DType.F64, seed, 0.3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void backwardMatchesFiniteDifferences(String name, Config cfg, double dropout) {
        check(name, randomModel(cfg, 42), cfg, dropout, false);
    }

    /**
     * Zero-initialised residual projections: the gradient is still exact, and it is exactly zero for everything
     * behind wo and w2 (q, k, v, w1, b1), since each block starts as the identity: wo and w2 move first.
     */
    static Stream<Arguments> preLnVariants() {
        return variants().filter(a -> a.get()[0].equals("gpt2") || ((String) a.get()[0]).startsWith("modern"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("preLnVariants")
    void zeroInitResidualProjections(String name, Config cfg, double dropout) {
        check(name + " zero-init", randomModel(cfg, 42).zeroResidualProjections(), cfg, dropout, true);
    }

    private static void check(String name, GPT m, Config cfg, double dropout, boolean zeroInit) {
        int B = 2, T = cfg.block();
        Random r = new Random(7);
        int[] x = new int[B * T], y = new int[B * T];
        for (int i = 0; i < x.length; i++) { x[i] = r.nextInt(cfg.vocab()); y[i] = r.nextInt(cfg.vocab()); }
        y[3] = -1;                                   // an ignored position
        m.setDropout(dropout, 99);

        m.zeroGrad();
        m.forward(x, y, B, T);
        m.backward();
        double[] analytic = m.grads().toDoubles();

        double h = 1e-6;
        for (ParamLayout.Spec s : m.layout.specs()) {
            double num2 = 0, diff2 = 0;
            for (long j = s.offset(); j < s.offset() + s.size(); j++) {
                int i = (int) j;
                double w0 = m.params.get(i);
                m.params.set(i, w0 + h);
                double lp = m.forward(x, y, B, T);
                m.params.set(i, w0 - h);
                double lm = m.forward(x, y, B, T);
                m.params.set(i, w0);
                double numeric = (lp - lm) / (2 * h);
                num2 += numeric * numeric;
                diff2 += (numeric - analytic[i]) * (numeric - analytic[i]);
            }
            double rel = Math.sqrt(diff2) / Math.max(Math.sqrt(num2), 1e-12);
            assertTrue(rel < 1e-6 || Math.sqrt(diff2) < 1e-9,
                    name + ": gradient of " + s.name() + " relative error " + rel + " (|numeric| " + Math.sqrt(num2) + ")");
            boolean behindZero = zeroInit && s.layer() >= 0 && switch (s.kind()) {
                case WQ, WK, WV, BQ, BK, BV, W1, B1 -> true;
                case LN_GAIN, LN_BIAS -> true;                   // LN1/LN2 feed only the zeroed branches
                default -> false;
            };
            if (behindZero) assertTrue(Math.sqrt(num2) == 0 && Math.sqrt(sumSquares(analytic, s)) == 0,
                    name + ": " + s.name() + " sits behind a zero projection but has a gradient");
            else assertTrue(Math.sqrt(num2) > 0 || (s.kind() == ParamLayout.Kind.BK && cfg.positions() != Config.Positions.ROPE && !cfg.qkNorm()),  // softmax ignores a shift shared by all keys
                    name + ": " + s.name() + " has zero gradient: the check would prove nothing");
        }
    }

    private static double sumSquares(double[] g, ParamLayout.Spec s) {
        double t = 0;
        for (long j = s.offset(); j < s.offset() + s.size(); j++) t += g[(int) j] * g[(int) j];
        return t;
    }
}
