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
                Arguments.of("gpt2 with dropout", gpt2, 0.2));
    }

    /** Random parameters with enough spread that every non-linearity is exercised (gains and biases off their defaults). */
    static GPT randomModel(Config cfg, long seed) {
        return RandomModels.of(cfg, DType.F64, seed, 0.3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void backwardMatchesFiniteDifferences(String name, Config cfg, double dropout) {
        GPT m = randomModel(cfg, 42);
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
            assertTrue(Math.sqrt(num2) > 0 || (s.kind() == ParamLayout.Kind.BK && cfg.positions() != Config.Positions.ROPE),  // softmax ignores a shift shared by all keys
                    name + ": " + s.name() + " has zero gradient: the check would prove nothing");
        }
    }
}
