package jgpt.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The fixed-order lane sum and the deterministic exp: accuracy, and vector lanes equal to the scalar twin bit for bit. */
class VecMathTest {
    static final int L = VecMath.L;

    @Test void expIsAccurateToTwoUlpsOverTheWholeRange() {
        double worst = 0;
        for (float x = -86.5f; x < 88.7f; x += 0.0137f) {
            double want = Math.exp(x);
            double ulps = Math.abs(VecMath.exp(x) - want) / Math.ulp((float) want);
            worst = Math.max(worst, ulps);
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
    }

    @Test void expEdgeCases() {
        assertEquals(1f, VecMath.exp(0f));
        assertEquals(0f, VecMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, VecMath.exp(-100f));
        assertEquals(Float.POSITIVE_INFINITY, VecMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VecMath.exp(89f));
        assertTrue(Float.isNaN(VecMath.exp(Float.NaN)));
        assertTrue(Float.isFinite(VecMath.exp(88.72283f)), "largest argument still finite");
    }

    @Test void vectorLanesEqualTheScalarTwinBitForBit() {
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[L * 4096], y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 5) {
                case 0 -> (float) (r.nextDouble() * 180 - 90);
                case 1 -> (float) (r.nextDouble() * 2 - 1);
                case 2 -> (float) (-r.nextDouble() * 30);
                case 3 -> Float.intBitsToFloat(r.nextInt());                     // any float, NaN and ±inf included
                default -> new float[] {-86.6f, -86.59999f, 88.72283f, 88.72284f, 0f, -0f, 1e-30f}[r.nextInt(7)];
            };
        }
        for (int i = 0; i < x.length; i += L) VecMath.exp(FloatVector.fromArray(VecMath.S, x, i)).intoArray(y, i);
        for (int i = 0; i < x.length; i++) {
            float s = VecMath.exp(x[i]);
            assertTrue(Float.floatToIntBits(s) == Float.floatToIntBits(y[i]), "exp(" + x[i] + "): scalar " + s + ", lane " + y[i]);
        }
    }

    @Test void sumAddsTheLanesInAFixedPairwiseOrder() {
        SplittableRandom r = new SplittableRandom(11);
        float[] a = new float[L];
        for (int trial = 0; trial < 1000; trial++) {
            for (int i = 0; i < L; i++) a[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-8, 8)));
            // the butterfly written out: level k adds lane i ^ k to lane i; lane 0 holds the result
            float[] b = a.clone();
            for (int k = L / 2; k >= 1; k /= 2) {
                float[] n = new float[L];
                for (int i = 0; i < L; i++) n[i] = b[i] + b[i ^ k];
                b = n;
            }
            assertEquals(Float.floatToIntBits(b[0]), Float.floatToIntBits(VecMath.sum(FloatVector.fromArray(VecMath.S, a, 0))), "trial " + trial);
        }
    }
}
