package jgpt.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two vector operations whose bits the Vector API leaves open, written as fixed sequences of IEEE
 * operations so a result never depends on which JIT tier ran the code.
 *
 * <p>Why: {@code reduceLanes(ADD)} adds the lanes in an unspecified order (C2's intrinsic uses a tree, the
 * Java fallback that runs before C2 compiles a method goes left to right), and {@code lanewise(EXP)} is
 * SVML in compiled code but {@code Math.exp} per lane in the fallback. Both made the same training run
 * give different bits depending on when methods got compiled. Here a sum is a fixed butterfly of lane-wise
 * adds, and exp is Cephes' polynomial with a scalar twin that performs the same operations lane by lane,
 * so scalar tails agree with vector lanes too (elementwise results do not depend on how an array was split).
 */
public final class VecMath {
    private VecMath() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    // lane i ↔ lane i ^ k: each butterfly level adds the two halves of every block of 2k lanes
    private static final VectorShuffle<Float> X8 = L >= 16 ? VectorShuffle.fromOp(S, i -> i ^ 8) : null;
    private static final VectorShuffle<Float> X4 = L >= 8 ? VectorShuffle.fromOp(S, i -> i ^ 4) : null;
    private static final VectorShuffle<Float> X2 = L >= 4 ? VectorShuffle.fromOp(S, i -> i ^ 2) : null;
    private static final VectorShuffle<Float> X1 = L >= 2 ? VectorShuffle.fromOp(S, i -> i ^ 1) : null;

    /**
     * Σ of the lanes in a fixed pairwise order. Starts from a fresh vector of exact type (zero + acc): vector
     * calls on a loop's accumulator bind statically only when C2 has a type profile, and an early or OSR
     * compile without one would box every vector.
     */
    public static float sum(FloatVector acc) {
        FloatVector v = FloatVector.zero(S).add(acc);
        if (L >= 16) v = v.add(v.rearrange(X8));
        if (L >= 8) v = v.add(v.rearrange(X4));
        if (L >= 4) v = v.add(v.rearrange(X2));
        if (L >= 2) v = v.add(v.rearrange(X1));
        return v.lane(0);
    }

    // exp(x) = 2ⁿ·e^r, n = round(x·log₂e), r = x − n·ln2 (Cody–Waite two-part ln2), e^r by Cephes' expf
    // polynomial (≈1 ulp). n is read off the mantissa of x·log₂e + 1.5·2²³; 2ⁿ is built as 2ⁿ⁻¹·2 so
    // n = 128 (x near ln FLT_MAX) still fits the exponent field. Below EXP_LO (≈ e⁻⁸⁶·⁶, 2.4e-38) → 0.
    private static final float LOG2E = 1.44269504088896341f, MAGIC = 12582912f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float EXP_LO = -86.6f, EXP_HI = 88.72283f;
    private static final float C0 = 1.9875691500e-4f, C1 = 1.3981999507e-3f, C2 = 8.3334519073e-3f,
            C3 = 4.1665795894e-2f, C4 = 1.6666665459e-1f, C5 = 5.0000001201e-1f;
    private static final int BIAS_BITS = 0x4B400000 - 126;   // bits of MAGIC, less the exponent bias of 2ⁿ⁻¹

    /** e^x lane-wise; bit-identical to {@link #exp(float)} on every lane. */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = xc.mul(LOG2E).add(MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(S, C0), FloatVector.broadcast(S, C1));
        p = p.fma(r, FloatVector.broadcast(S, C2));
        p = p.fma(r, FloatVector.broadcast(S, C3));
        p = p.fma(r, FloatVector.broadcast(S, C4));
        p = p.fma(r, FloatVector.broadcast(S, C5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        FloatVector scale = t.reinterpretAsInts().sub(BIAS_BITS).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector e = y.mul(scale).mul(2f);
        return e.blend(0f, x.compare(VectorOperators.LT, EXP_LO)).blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
    }

    /** e^x: the same operations as one lane of {@link #exp(FloatVector)}. */
    public static float exp(float x) {
        if (x < EXP_LO) return 0f;
        if (x > EXP_HI) return Float.POSITIVE_INFINITY;
        float xc = x;                  // NaN passes through to the result
        float t = xc * LOG2E + MAGIC;
        float n = t - MAGIC;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, C0, C1);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C5);
        float y = Math.fma(p, r * r, r) + 1f;
        float scale = Float.intBitsToFloat((Float.floatToRawIntBits(t) - BIAS_BITS) << 23);
        return y * scale * 2f;
    }
}
