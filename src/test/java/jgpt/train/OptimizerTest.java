package jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.ParamLayout;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import jgpt.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The update rules, element by element, against their textbook formulas (AdamW against PyTorch is in TorchReferenceTest). */
class OptimizerTest {
    static GPT model() {
        GPT m = new GPT(Config.gpt2(7, 4, 1, 2, 4), DType.F64, new NaiveKernels()).initGpt2(1);
        Random r = new Random(2);
        Tensor g = m.grads();
        for (int i = 0; i < g.size; i++) g.set(i, r.nextGaussian());
        return m;
    }

    @Test void sgdIsWMinusEtaGradWithMomentumAndDecayOnMatricesOnly() {
        GPT m = model();
        double[] w0 = m.params.toDoubles(), g0 = m.grads().toDoubles();
        SGD sgd = new SGD(m, 0.9, 0.01);
        sgd.step(0.1);
        double[] w1 = m.params.toDoubles();
        for (ParamLayout.Spec s : m.layout.specs())
            for (long j = s.offset(); j < s.offset() + s.size(); j++) {
                int i = (int) j;
                double g = g0[i] + (s.decay() ? 0.01 * w0[i] : 0);       // L2 only on rank ≥ 2
                assertEquals(w0[i] - 0.1 * g, w1[i], 1e-15, s.name());
            }
        // second step (the L2 term was added into the gradient buffer: restore it): buf = 0.9·buf + g
        m.grads().copyFrom(Tensor.wrap("g", g0.clone(), g0.length));
        sgd.step(0.1);
        for (ParamLayout.Spec s : m.layout.specs())
            for (long j = s.offset(); j < s.offset() + s.size(); j++) {
                int i = (int) j;
                double gA = g0[i] + (s.decay() ? 0.01 * w0[i] : 0), gB = g0[i] + (s.decay() ? 0.01 * w1[i] : 0);
                assertEquals(w1[i] - 0.1 * (0.9 * gA + gB), m.params.get(i), 1e-14, s.name());
            }
    }

    @Test void adamWithL2AddsDecayToTheGradient() {
        GPT m = model();
        double[] w0 = m.params.toDoubles(), g0 = m.grads().toDoubles();
        new AdamW(m, 0.9, 0.99, 1e-8, 0.1, false).step(1e-2);
        for (ParamLayout.Spec s : m.layout.specs())
            for (long j = s.offset(); j < s.offset() + s.size(); j++) {
                int i = (int) j;
                double g = g0[i] + (s.decay() ? 0.1 * w0[i] : 0);
                double mHat = 0.1 * g / 0.1, vHat = 0.01 * g * g / 0.01;   // first step: bias correction undoes (1 − β)
                assertEquals(w0[i] - 1e-2 * mHat / (Math.sqrt(vHat) + 1e-8), m.params.get(i), 1e-12, s.name());
            }
    }

    /** A clip folded into the update (step(lr, scale)) equals clipping the buffer first, for every optimizer, two steps. */
    @Test void aFoldedClipEqualsClippingTheGradientsFirst() {
        for (String name : new String[] {"adamw", "adam", "sgd"}) {
            GPT a = model(), b = model();
            Optimizer oa = Optimizer.create(name, a, 0.9, 0.99, 1e-8, 0.1, 0.9);
            Optimizer ob = Optimizer.create(name, b, 0.9, 0.99, 1e-8, 0.1, 0.9);
            Random r = new Random(9);
            for (int step = 0; step < 2; step++) {
                assertEquals(Optimizer.gradNorm(a), Optimizer.gradNorm(b), 0, "same gradients before step " + step);
                Optimizer.clipGradNorm(a, 0.5);
                oa.step(1e-2);
                ob.step(1e-2, Optimizer.clipScale(Optimizer.gradNorm(b), 0.5));
                for (int i = 0; i < a.grads().size; i++) {  // fresh gradients, above the clip again, for the next step
                    double g = 3 * r.nextGaussian();
                    a.grads().set(i, g);
                    b.grads().set(i, g);
                }
            }
            for (int i = 0; i < a.params.size; i++) assertEquals(a.params.get(i), b.params.get(i), 1e-12, name + " parameter " + i);
        }
        assertEquals(1, Optimizer.clipScale(0.4, 0.5), 0);
        assertEquals(1, Optimizer.clipScale(7, 0), 0, "0 = no clipping");
        assertEquals(0.5 / (2 + 1e-6), Optimizer.clipScale(2, 0.5), 0);
    }

    @Test void stepAndZeroGradsEqualsAStepThenZeroing() {
        for (String name : new String[] {"adamw", "adam", "sgd"}) {
            GPT a = model(), b = model();
            Optimizer oa = Optimizer.create(name, a, 0.9, 0.99, 1e-8, 0.1, 0.9);
            Optimizer ob = Optimizer.create(name, b, 0.9, 0.99, 1e-8, 0.1, 0.9);
            double scale = Optimizer.clipScale(Optimizer.gradNorm(a), 0.5);
            oa.step(1e-2, scale);
            boolean zeroed = ob.stepAndZeroGrads(1e-2, scale);
            assertEquals(!name.equals("sgd"), zeroed, name + ": only the Adam family folds the zeroing in");
            for (int i = 0; i < a.params.size; i++) assertEquals(a.params.get(i), b.params.get(i), 0, name + " parameter " + i);
            if (zeroed) for (int i = 0; i < b.grads().size; i++) assertEquals(0, b.grads().get(i), 0, name + " gradient " + i);
            else assertEquals(Optimizer.gradNorm(a), Optimizer.gradNorm(b), 0, name + " leaves the gradients");
        }
    }

    @Test void clippingScalesToTheMaximumNorm() {
        GPT m = model();
        double norm = Optimizer.gradNorm(m);
        assertEquals(norm, Optimizer.clipGradNorm(m, 0.5), 0);
        assertEquals(0.5, Optimizer.gradNorm(m), 1e-6);
        assertEquals(Optimizer.gradNorm(m), Optimizer.clipGradNorm(m, 100), 0);    // below the limit: untouched
        assertEquals(0.5, Optimizer.gradNorm(m), 1e-6);
    }
}
