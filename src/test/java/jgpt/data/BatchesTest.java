package jgpt.data;

import jgpt.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class BatchesTest {
    @TempDir Path dir;

    /** A token file whose token i is i, so a batch shows where it was read from. */
    private TokenFile identity(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = i;
        Path f = dir.resolve("id" + n + ".bin");
        TokenFile.write(f, t, Math.max(n, 1));
        return TokenFile.open(f);
    }

    @Test void sequentialFollowsLlmcAndWrapsAround() {
        int B = 2, T = 8;
        try (TokenFile f = identity(100)) {
            Batches b = Batches.sequential(f, B, T);
            assertEquals(6, b.batchesPerEpoch()); // (100 - 1) / 16
            int[] x = new int[B * T], y = new int[B * T];
            for (int k = 0; k < 6; k++) {
                b.next(x, y);
                for (int r = 0; r < B; r++)
                    for (int t = 0; t < T; t++) {
                        assertEquals((k * B + r) * T + t, x[r * T + t], "batch " + k + " row " + r);
                        assertEquals(x[r * T + t] + 1, y[r * T + t], "targets are inputs shifted by one");
                    }
            }
            // batch 6 would need tokens 96..112 > 100: start again at 0
            b.next(x, y);
            assertEquals(0, x[0]);
            assertEquals(T, x[T]);
        }
    }

    @Test void exactlyOneBatchOfTokensRepeats() {
        try (TokenFile f = identity(17)) {
            Batches b = Batches.sequential(f, 2, 8);
            int[] x = new int[16], y = new int[16], x2 = new int[16], y2 = new int[16];
            b.next(x, y);
            b.next(x2, y2);
            assertArrayEquals(x, x2);
            assertEquals(16, y[15]);
        }
    }

    @Test void randomOffsetsCoverExactlyZeroToNMinusTMinusOne() {
        int n = 20, T = 8, B = 4;
        try (TokenFile f = identity(n)) {
            Batches b = Batches.random(f, B, T, 42);
            int[] x = new int[B * T], y = new int[B * T];
            boolean[] seen = new boolean[n];
            for (int k = 0; k < 500; k++) {
                b.next(x, y);
                for (int r = 0; r < B; r++) {
                    int start = x[r * T];
                    assertTrue(start >= 0 && start <= n - T - 1, "offset " + start);
                    for (int t = 0; t < T; t++) {
                        assertEquals(start + t, x[r * T + t]);
                        assertEquals(start + t + 1, y[r * T + t]);
                    }
                    seen[start] = true;
                }
            }
            for (int s = 0; s <= n - T - 1; s++) assertTrue(seen[s], "offset " + s + " drawn");
        }
    }

    @Test void stateRestoresTheExactSequence() {
        try (TokenFile f = identity(1000)) {
            for (String mode : new String[] {"sequential", "random"}) {
                Batches a = Batches.create(mode, f, 3, 16, 7);
                int[] x = new int[48], y = new int[48];
                for (int k = 0; k < 25; k++) a.next(x, y); // past a wrap for sequential: 999/48 = 20 per epoch
                long[] s = a.state();
                int[][] expect = new int[10][];
                for (int k = 0; k < 10; k++) { a.next(x, y); expect[k] = x.clone(); }

                Batches b = Batches.create(mode, f, 3, 16, 999); // different seed: the state carries the generator
                b.restore(s);
                for (int k = 0; k < 10; k++) {
                    b.next(x, y);
                    assertArrayEquals(expect[k], x, mode + " batch " + k + " after restore");
                }
            }
        }
    }

    @Test void seedsMatter() {
        try (TokenFile f = identity(1000)) {
            int[] x1 = new int[64], x2 = new int[64], x3 = new int[64], y = new int[64];
            Batches.random(f, 4, 16, 1).next(x1, y);
            Batches.random(f, 4, 16, 1).next(x2, y);
            Batches.random(f, 4, 16, 2).next(x3, y);
            assertArrayEquals(x1, x2);
            assertFalse(Arrays.equals(x1, x3));
        }
    }

    @Test void errors() {
        try (TokenFile f = identity(16)) {
            UserError e = assertThrows(UserError.class, () -> Batches.sequential(f, 2, 8));
            assertTrue(e.getMessage().contains("id16.bin") && e.getMessage().contains("16 tokens") && e.getMessage().contains("17"), e.getMessage());
            assertThrows(UserError.class, () -> Batches.random(f, 1, 16, 0));
            Batches ok = Batches.random(f, 1, 15, 0);
            assertThrows(UserError.class, () -> ok.restore(Batches.sequential(f, 1, 15).state()));
            assertThrows(UserError.class, () -> Batches.create("shuffled", f, 1, 4, 0));
            assertThrows(IllegalArgumentException.class, () -> ok.next(new int[3], new int[15]));
        }
    }
}
