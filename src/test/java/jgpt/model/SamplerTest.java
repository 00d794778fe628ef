package jgpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jgpt.tensor.Tensor;
import org.junit.jupiter.api.Test;

class SamplerTest {

    static Tensor logits(double... v) { return Tensor.wrap("logits", v.clone(), v.length); }

    static Tensor logProbs(double... p) {
        double[] l = new double[p.length];
        for (int i = 0; i < p.length; i++) l[i] = Math.log(p[i]);
        return Tensor.wrap("logits", l, l.length);
    }

    static int[] histogram(Sampler s, Tensor l, int draws) {
        int[] h = new int[l.size];
        for (int i = 0; i < draws; i++) h[s.sample(l)]++;
        return h;
    }

    @Test
    void temperatureZeroIsArgmaxWithLowestIdOnTies() {
        Sampler s = new Sampler(5, 0, 0, 1, 1);
        assertEquals(3, s.sample(logits(0.1, -2, 0.5, 2.5, 2.4)));
        assertEquals(1, s.sample(logits(0, 7, 3, 7, 7)));
    }

    @Test
    void topKOfOneIsGreedyAtAnyTemperature() {
        Tensor l = logits(0.3, 1.2, -0.5, 1.1, 0.9);
        Sampler s = new Sampler(5, 5.0, 1, 1, 3);
        for (int i = 0; i < 200; i++) assertEquals(1, s.sample(l));
    }

    @Test
    void frequenciesFollowTheTemperedSoftmax() {
        double[] raw = {1.0, 0.0, -1.0, 0.5, 2.0};
        double temp = 1.7;
        double[] want = new double[raw.length];
        double z = 0;
        for (int i = 0; i < raw.length; i++) { want[i] = Math.exp(raw[i] / temp); z += want[i]; }
        int draws = 40000;
        int[] h = histogram(new Sampler(5, temp, 0, 1, 99), logits(raw), draws);
        for (int i = 0; i < raw.length; i++) {
            double p = want[i] / z, sd = Math.sqrt(p * (1 - p) / draws);
            assertEquals(p, h[i] / (double) draws, 5 * sd, "token " + i);
        }
    }

    @Test
    void topKKeepsExactlyTheKLargestAndRenormalises() {
        Tensor l = logits(0.0, 3.0, 1.0, 2.0, -1.0, 2.5);
        int draws = 30000;
        int[] h = histogram(new Sampler(6, 1.0, 3, 1, 5), l, draws);   // keeps ids 1, 5, 3
        assertEquals(0, h[0] + h[2] + h[4]);
        double z = Math.exp(3) + Math.exp(2.5) + Math.exp(2);
        assertEquals(Math.exp(3) / z, h[1] / (double) draws, 0.015);
        assertEquals(Math.exp(2.5) / z, h[5] / (double) draws, 0.015);
        assertEquals(Math.exp(2) / z, h[3] / (double) draws, 0.015);
    }

    @Test
    void topKKeepsTiesWithTheKthValue() {
        int[] h = histogram(new Sampler(4, 1.0, 2, 1, 6), logits(1, 5, 1, 1), 3000);
        assertTrue(h[0] > 0 && h[2] > 0 && h[3] > 0, "ties with the 2nd largest stay in (nanoGPT's mask)");
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        Tensor l = logProbs(0.15, 0.5, 0.05, 0.3);   // sorted: 1 (0.5), 3 (0.3), 0 (0.15), 2 (0.05)
        int[] h = histogram(new Sampler(4, 1.0, 0, 0.75, 7), l, 20000);
        assertEquals(0, h[0] + h[2], "0.5 + 0.3 ≥ 0.75: ids 0 and 2 are outside the nucleus");
        assertEquals(0.5 / 0.8, h[1] / 20000.0, 0.02);
        h = histogram(new Sampler(4, 1.0, 0, 0.85, 7), l, 20000);
        assertEquals(0, h[2]);
        assertTrue(h[0] > 0, "0.5 + 0.3 < 0.85: id 0 joins");
        h = histogram(new Sampler(4, 1.0, 0, 0.4, 7), l, 2000);
        assertEquals(2000, h[1], "the top token alone already holds 0.5 ≥ 0.4");
    }

    @Test
    void sameSeedSameDrawsAndOnlyCandidateIdsAreDrawn() {
        Random r = new Random(1);
        double[] raw = new double[300];
        for (int i = 0; i < raw.length; i++) raw[i] = r.nextGaussian() * 3;
        Tensor l = logits(raw);
        Sampler a = new Sampler(250, 0.9, 50, 0.95, 1234), b = new Sampler(250, 0.9, 50, 0.95, 1234);
        Sampler c = new Sampler(250, 0.9, 50, 0.95, 4321);
        boolean differs = false;
        for (int i = 0; i < 500; i++) {
            int x = a.sample(l), y = b.sample(l), z = c.sample(l);
            assertEquals(x, y);
            assertTrue(x < 250 && z < 250, "ids past the sampler's vocabulary (padding) are never drawn");
            differs |= x != z;
        }
        assertTrue(differs);
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(5, -0.1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(5, Double.NaN, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(5, 1, -1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(5, 1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(5, 1, 0, 1.01, 0));
    }
}
