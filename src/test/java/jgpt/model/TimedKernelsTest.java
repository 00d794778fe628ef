package jgpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jgpt.tensor.DType;
import jgpt.tensor.FastKernels;
import jgpt.tensor.TimedKernels;
import jgpt.tensor.TimedKernels.Kind;
import org.junit.jupiter.api.Test;

/** TimedKernels changes no result and counts each kind of call as the model makes it. */
class TimedKernelsTest {
    @Test void sameLossAndGradientsAndOneCountPerCall() {
        Config cfg = Config.gpt2(31, 8, 3, 2, 16);          // V, block, L, H, C
        int L = cfg.layers(), B = 2, T = 8;
        GPT plain = new GPT(cfg, DType.F32, new FastKernels()).initGpt2(5);
        TimedKernels timed = new TimedKernels(new FastKernels());
        GPT wrapped = new GPT(cfg, DType.F32, timed).initGpt2(5);
        Random r = new Random(1);
        int[] x = new int[B * T], y = new int[B * T];
        for (int i = 0; i < x.length; i++) { x[i] = r.nextInt(31); y[i] = r.nextInt(31); }

        plain.zeroGrad();
        double lossPlain = plain.forward(x, y, B, T);
        plain.backward();
        wrapped.zeroGrad();
        timed.reset();
        double lossTimed = wrapped.forward(x, y, B, T);
        assertEquals(lossPlain, lossTimed, 0.0, "loss");
        // forward of a pre-LN GPT-2: per layer q, k, v, o, w1, w2 products, plus the logits
        assertEquals(6L * L + 1, timed.calls(Kind.MATMUL), "forward matrix products");
        assertEquals(L, timed.calls(Kind.ATTENTION), "attention calls");
        assertEquals(2L * L + 1, timed.calls(Kind.LAYERNORM), "LayerNorms (two per block and the final one)");
        assertEquals(1, timed.calls(Kind.OUTPUT), "one fused softmax + cross-entropy");
        assertEquals(L, timed.calls(Kind.ACTIVATION), "one GELU per block");
        wrapped.backward();
        // backward: two products per forward product (input gradient and weight gradient)
        assertEquals(3 * (6L * L + 1), timed.calls(Kind.MATMUL), "forward + backward matrix products");
        assertEquals(2L * L, timed.calls(Kind.ATTENTION), "attention forward + backward");
        for (Kind k : Kind.values()) assertTrue(timed.nanos(k) >= 0, k + " time");
        assertTrue(timed.nanos(Kind.MATMUL) > 0, "matrix products took time");

        float[] g1 = plain.grads().f, g2 = wrapped.grads().f;
        for (int i = 0; i < g1.length; i++) assertEquals(g1[i], g2[i], 0f, "gradient " + i);
    }
}
