package jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.FastKernels;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;
import jgpt.tensor.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A batch split over replicas gives the whole batch's loss and gradient, whatever the split. */
class DataParallelTest {
    @BeforeAll static void threads() { Parallel.setThreads(3); }
    @AfterAll static void restore() { Parallel.setThreads(Parallel.defaultThreads()); }

    static final Config CFG = Config.gpt2(23, 8, 2, 2, 12);   // V, block, L, H, C
    static final int B = 5, T = 7;                             // 5 rows: shards of 2+3, 1+2+2, ...

    static GPT model(DType dt, Kernels k) {
        GPT m = new GPT(CFG, dt, k).initGpt2(11);
        Random r = new Random(3);
        for (int i = 0; i < m.params.size; i++) m.params.set(i, m.params.get(i) + 0.05 * r.nextGaussian());
        return m;
    }

    /** Tokens, and targets with some positions ignored (−1) so the shards count different numbers of positions. */
    static int[][] batch(long seed) {
        Random r = new Random(seed);
        int[] x = new int[B * T], y = new int[B * T];
        for (int i = 0; i < x.length; i++) { x[i] = r.nextInt(23); y[i] = r.nextInt(5) == 0 ? -1 : r.nextInt(23); }
        return new int[][] {x, y};
    }

    static double[] grads(GPT m) {
        double[] g = new double[m.grads().size];
        for (int i = 0; i < g.length; i++) g[i] = m.grads().get(i);
        return g;
    }

    static void assertClose(double[] want, double[] got, double tol, String what) {
        double max = 0;
        for (double v : want) max = Math.max(max, Math.abs(v));
        assertTrue(max > 0, what + ": the reference gradient is not all zero");
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], tol * max, what + " element " + i);
    }

    @Test void splitBatchGivesTheWholeBatchsLossAndGradientInDoublePrecision() {
        int[][] b = batch(1);
        for (double dropout : new double[] {0, 0.3}) {
            GPT whole = model(DType.F64, new NaiveKernels());
            whole.zeroGrad();
            whole.setDropout(dropout, 99);
            double want = whole.forward(b[0], b[1], B, T);
            whole.backward();
            double[] gWant = grads(whole);
            for (int shards : new int[] {2, 3, 5}) {
                GPT m = model(DType.F64, new NaiveKernels());
                DataParallel dp = new DataParallel(m, shards);
                m.zeroGrad();
                double got = dp.forwardBackward(b[0], b[1], B, T, dropout, 99);
                assertEquals(want, got, 1e-12 * Math.abs(want), "loss, " + shards + " shards, dropout " + dropout);
                assertClose(gWant, grads(m), 1e-10, shards + " shards, dropout " + dropout);
                assertEquals(whole.loss(b[0], b[1], B, T), dp.loss(b[0], b[1], B, T), 1e-12, "evaluation loss, " + shards + " shards");
            }
        }
    }

    @Test void fastKernelsOnThreadsMatchTheUnsplitStepAndAddToExistingGradients() {
        int[][] b1 = batch(2), b2 = batch(3);
        GPT whole = model(DType.F32, new FastKernels());
        whole.zeroGrad();
        double l1 = whole.forward(b1[0], b1[1], B, T);
        whole.backward();
        double l2 = whole.forward(b2[0], b2[1], B, T);
        whole.backward();
        double[] gWant = grads(whole);

        GPT m = model(DType.F32, new FastKernels());
        DataParallel dp = new DataParallel(m, 3);
        m.zeroGrad();
        assertEquals(l1, dp.forwardBackward(b1[0], b1[1], B, T, 0, 0), 1e-5 * l1, "loss of batch 1");
        assertEquals(l2, dp.forwardBackward(b2[0], b2[1], B, T, 0, 0), 1e-5 * l2, "loss of batch 2");
        assertClose(gWant, grads(m), 1e-5, "two batches accumulated, 3 shards on 3 threads");
        // the model itself is left as a plain model: its own forward gives the unsplit loss again
        assertEquals(l1, m.forward(b1[0], b1[1], B, T), 1e-5 * l1, "plain forward after the split ones");
    }

    @Test void aShardWithNothingToCountFallsBackToTheWholeBatch() {
        int[][] b = batch(4);
        for (int i = 0; i < 2 * T; i++) b[1][i] = -1;           // rows 0 and 1: shard 0 of 2 (rows 0–1) counts nothing
        GPT whole = model(DType.F64, new NaiveKernels());
        whole.zeroGrad();
        double want = whole.forward(b[0], b[1], B, T);
        whole.backward();
        GPT m = model(DType.F64, new NaiveKernels());
        m.zeroGrad();
        assertEquals(want, new DataParallel(m, 2).forwardBackward(b[0], b[1], B, T, 0, 0), 1e-12 * want);
        assertClose(grads(whole), grads(m), 1e-12, "fallback");
    }

    @Test void moreShardsThanRowsUsesOneRowEach() {
        int[][] b = batch(5);
        GPT whole = model(DType.F64, new NaiveKernels());
        GPT m = model(DType.F64, new NaiveKernels());
        assertEquals(whole.loss(b[0], b[1], B, T), new DataParallel(m, 8).loss(b[0], b[1], B, T), 1e-12);
    }
}
