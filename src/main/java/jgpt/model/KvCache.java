package jgpt.model;

import jgpt.tensor.DType;
import jgpt.tensor.Tensor;

/**
 * Keys (after QK-norm and RoPE) and values of the positions decoded so far, one (context, C) pair per layer:
 * what {@link GPT#blockForward} attends over when it runs with a cache.
 */
final class KvCache {
    private final Tensor[] keys, values;   // per layer (context, C)

    KvCache(Config cfg, DType dt) {
        int L = cfg.layers(), T = cfg.block(), C = cfg.embd();
        keys = new Tensor[L];
        values = new Tensor[L];
        for (int l = 0; l < L; l++) {
            keys[l] = Tensor.zeros(dt, "kcache." + l, T, C);
            values[l] = Tensor.zeros(dt, "vcache." + l, T, C);
        }
    }

    Tensor keys(int l) { return keys[l]; }
    Tensor values(int l) { return values[l]; }

    /** Stores n rows of k and v as positions [pos0, pos0 + n) of layer l. */
    void put(int l, Tensor k, Tensor v, int pos0, int n) {
        int C = keys[l].shape[1];
        keys[l].copyFrom(k, 0, pos0 * C, n * C);
        values[l].copyFrom(v, 0, pos0 * C, n * C);
    }
}
