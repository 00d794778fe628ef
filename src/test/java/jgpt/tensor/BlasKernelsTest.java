package jgpt.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The OpenBLAS matrix products against NaiveKernels, on the same odd shapes, offsets and 3-thread splits
 * as {@link FastKernelsTest} (1e-5 relative); with minFlops 0 so every product with M ≥ 8 goes to OpenBLAS,
 * and with a threshold of 1 MFLOP, where the small ones land on the pure-Java GEMM and must still be right.
 */
class BlasKernelsTest {
    final FastKernelsTest util = new FastKernelsTest();
    final NaiveKernels naive = new NaiveKernels();

    @BeforeAll static void threads() { Parallel.setThreads(3); }
    @AfterAll static void restore() { Parallel.setThreads(Parallel.defaultThreads()); }

    @Test void libraryLoadsOnLinuxX64() {
        boolean linuxX64 = System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").matches("amd64|x86_64");
        assumeTrue(linuxX64, "the bundled OpenBLAS is for linux-x86_64");
        assertTrue(OpenBlas.available(), "OpenBLAS should load here: " + OpenBlas.loadError());
    }

    static final int[][] SHAPES = {   // M, K, N: the FastKernelsTest shapes plus ones split into bands both ways
            {1, 37, 53}, {7, 13, 1}, {8, 1, 9}, {9, 17, 19}, {33, 65, 47}, {67, 129, 301}, {301, 129, 67},
            {130, 270, 9}, {45, 300, 200}, {200, 300, 45}, {513, 77, 31}, {31, 77, 513}};

    @ParameterizedTest(name = "layout {0}")
    @ValueSource(strings = {"NN", "NT", "TN"})
    void matmulLayoutsMatchNaive(String layout) {
        assumeTrue(OpenBlas.available(), "OpenBLAS not available: " + OpenBlas.loadError());
        for (long minFlops : new long[] {0, 1_000_000}) {
            BlasKernels blas = new BlasKernels(minFlops);
            for (int[] s : SHAPES) {
                int M = s[0], K = s[1], N = s[2];
                for (boolean acc : new boolean[] {false, true}) {
                    Tensor a = util.rand("a", M * K, 1), b = util.rand("b", K * N, 1), out = util.rand("out", M * N, 1);
                    Tensor ref = FastKernelsTest.dbl(out), ad = FastKernelsTest.dbl(a), bd = FastKernelsTest.dbl(b);
                    switch (layout) {
                        case "NN" -> { naive.matmul(ref, ad, bd, M, K, N, acc); blas.matmul(out, a, b, M, K, N, acc); }
                        case "NT" -> { naive.matmulNT(ref, ad, bd, M, K, N, acc); blas.matmulNT(out, a, b, M, K, N, acc); }
                        default -> { naive.matmulTN(ref, ad, bd, M, K, N, acc); blas.matmulTN(out, a, b, M, K, N, acc); }
                    }
                    FastKernelsTest.close(layout + " " + M + "x" + K + "x" + N + (acc ? " +=" : "") + " minFlops " + minFlops, ref, out);
                }
            }
        }
    }

    @Test void bufferAroundAViewIsUntouched() {
        assumeTrue(OpenBlas.available(), "OpenBLAS not available: " + OpenBlas.loadError());
        int M = 40, K = 30, N = 50;
        float[] buf = new float[M * N + 20];
        java.util.Arrays.fill(buf, 7f);
        Tensor out = Tensor.wrap("out", buf, buf.length).view("out", 10, M * N);
        new BlasKernels(0).matmulNT(out, util.rand("a", M * K, 1), util.rand("b", N * K, 1), M, K, N, false);
        for (int i = 0; i < 10; i++) assertEquals(7f, buf[i], 0f, "before the view, element " + i);
        for (int i = 10 + M * N; i < buf.length; i++) assertEquals(7f, buf[i], 0f, "after the view, element " + i);
    }
}
