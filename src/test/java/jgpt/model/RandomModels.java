package jgpt.model;

import java.util.Random;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import jgpt.tensor.Tensor;

/** Models for tests: random weights with spread, LayerNorm gains off 1, so every term of forward and backward matters. */
final class RandomModels {
    private RandomModels() {}

    static GPT of(Config cfg, DType dt, long seed, double std) {
        GPT m = new GPT(cfg, dt, new NaiveKernels());
        Random r = new Random(seed);
        for (int i = 0; i < m.params.size; i++) m.params.set(i, r.nextGaussian() * std);
        for (ParamLayout.Spec s : m.layout.specs())
            if (s.kind() == ParamLayout.Kind.LN_GAIN) {
                Tensor t = m.param(s.name());
                for (int i = 0; i < t.size; i++) t.set(i, 1 + 0.2 * r.nextGaussian());
            }
        return m;
    }
}
