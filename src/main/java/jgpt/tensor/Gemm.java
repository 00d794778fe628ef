package jgpt.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pure-Java float GEMM: C(M,N) (+)= A(M,K) · B(K,N), where each operand is stored either row-major or
 * transposed, with its own leading dimension (so a head's slice of a (B,T,C) tensor is an operand too).
 *
 * <p>Goto/BLIS structure: a KC×NC block of B and an MC×KC block of A are packed into contiguous
 * micro-panels (zero-padded at the edges, so the inner loop has no tail and the transposed layouts cost
 * nothing there), and a register-tiled micro-kernel computes an MR×NR tile of C with MR·NR/L FMA
 * accumulators kept in vector registers. MR = 4 rows × NR = 2 vectors: C2 keeps 8 accumulators, 2 B
 * vectors and the broadcasts in the 16 AVX2 registers; with 6 rows it spills one accumulator to the stack
 * and runs at half speed. The tiles of one column strip (MC×NR) are written to a contiguous buffer and
 * added into C in one pass afterwards: C's rows are ldc apart, so reading them between tiles evicts the
 * B micro-panel from L1 (measured: 20–45 % faster on the GPT shapes, with KC 512 instead of 256).
 *
 * <p>{@link #gemm} cuts C into rectangles along its longer side and runs them on {@link Parallel};
 * {@link #serial} runs one product on the calling worker (attention runs one per head in parallel).
 * An instance owns per-worker packing scratch and is not for concurrent use (FastKernels serialises calls).
 */
final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int MR = 4, NR = 2 * L;
    static final int KC = Integer.getInteger("jgpt.gemm.kc", 512);
    static final int MC = roundUp(Integer.getInteger("jgpt.gemm.mc", 128), MR);
    static final int NC = roundUp(Integer.getInteger("jgpt.gemm.nc", 1024), NR);
    /** Below this many flops a product runs on one thread: waking the pool costs more than it saves. */
    static final long PARALLEL_FLOPS = 1_000_000;

    /** Per-worker buffers: packed A block (MC×KC), B block (KC×NC), one edge tile (MR×NR), one column strip of C (MC×NR). */
    static final class Scratch {
        final float[] ap = new float[MC * KC], bp = new float[KC * NC], edge = new float[MR * NR], strip = new float[MC * NR];
    }

    /** Matrix-vector products with B row-major split over K, a multiple of 6 blocks of about VEC_KC rows (see {@link #gemm}); false: over N. */
    static boolean splitK = Boolean.parseBoolean(System.getProperty("jgpt.gemm.vecSplitK", "true"));
    static final int VEC_KC = roundUp(Integer.getInteger("jgpt.gemm.vecKc", 128), 4);

    /** Largest operand (floats) packed once for all rectangles; beyond it each rectangle packs its own. */
    static final int SHARE_LIMIT = 1 << 20;

    private Scratch[] scratch = new Scratch[0];
    private final Task task = new Task();
    private final Prepack prepack = new Prepack();
    private float[] sharedA = new float[0], sharedB = new float[0];   // whole packed A (mPad·K), B (nPad·K)
    private float[][] partials = new float[0][];                      // per task: a K-split mat-vec's share (N)

    static int roundUp(int x, int m) { return (x + m - 1) / m * m; }

    Scratch scratch(int worker) { return scratch[worker]; }

    /** Makes sure every pool worker has scratch; call before a parallel region that uses {@link #scratch}. */
    void ensureScratch() {
        int threads = Parallel.threads();
        if (scratch.length < threads) {
            Scratch[] s = java.util.Arrays.copyOf(scratch, threads);
            for (int w = scratch.length; w < threads; w++) s[w] = new Scratch();
            scratch = s;
        }
    }

    /**
     * Parallel product with dense operands: lda = K (or M if transA), ldb = N (or K if transB), ldc = N.
     * A[i][k] = a[ao + i·K + k] or a[ao + k·M + i];  B[k][j] = b[bo + k·N + j] or b[bo + j·K + k].
     */
    void gemm(float[] c, int co, float[] a, int ao, boolean transA, float[] b, int bo, boolean transB,
              int M, int K, int N, boolean accumulate) {
        if (M <= 0 || N <= 0) return;
        int lda = transA ? M : K, ldb = transB ? K : N;
        if (K <= 0) {
            if (!accumulate) java.util.Arrays.fill(c, co, co + M * N, 0f);
            return;
        }
        ensureScratch();
        Task t = task;
        t.c = c; t.co = co; t.a = a; t.ao = ao; t.lda = lda; t.transA = transA;
        t.b = b; t.bo = bo; t.ldb = ldb; t.transB = transB;
        t.M = M; t.K = K; t.N = N; t.accumulate = accumulate;
        int threads = Parallel.width();
        long flops = 2L * M * N * K;
        // Two tasks per thread on big products, so a thread whose core is taken by another process hands
        // work over; one per thread on small ones, where packing the shared operand again costs more.
        int want = flops < PARALLEL_FLOPS || threads == 1 ? 1 : flops < 64 * PARALLEL_FLOPS ? threads : 2 * threads;
        t.splitK = false;
        if (M == 1) {
            // a matrix-vector product (generation): stream B once, no packing. Bᵀ stored (N, K): split its
            // rows, one contiguous block of memory per task. B row-major (K, N): split its rows too (K), each
            // task into its own partial sum of the output, added up afterwards: splitting the columns instead
            // would have every task read a short piece of every row, which the prefetchers follow poorly.
            t.vector = true;
            t.gm = 1;
            t.stepM = 1;
            if (!transB && splitK && K > VEC_KC) {
                // Blocks of about VEC_KC rows, a multiple of 6 of them so that 2, 3 or 6 threads get equal
                // shares; chosen from K alone, whatever the thread count, so the order of the sum and with
                // it the bits do not depend on the threads.
                t.splitK = true;
                t.stepN = N;
                int blocks = roundUp((K + VEC_KC - 1) / VEC_KC, 6);
                t.stepK = roundUp((K + blocks - 1) / blocks, 4);
                t.gn = (K + t.stepK - 1) / t.stepK;
                if (partials.length < t.gn || partials[0].length < N) {
                    int n = Math.max(N, partials.length > 0 ? partials[0].length : 0);
                    partials = new float[Math.max(t.gn, partials.length)][n];
                }
            } else {
                int blocks = Math.max(1, Math.min(want, N / (4 * L)));
                t.stepN = roundUp((N + blocks - 1) / blocks, L);
                t.gn = (N + t.stepN - 1) / t.stepN;
            }
        } else {
            // A gm × gn grid of rectangles: each packs its rows of A once per column block and its columns
            // of B once per row block, so choose the grid that packs least, ∝ gn·M + gm·N.
            t.vector = false;
            int maxM = (M + MR - 1) / MR, maxN = (N + NR - 1) / NR;
            int bestM = 1, bestN = 1;
            long bestCost = Long.MAX_VALUE;
            for (int w = want; w >= 1 && bestCost == Long.MAX_VALUE; w--) {   // fewer tasks if the grid won't fit
                for (int gm = 1; gm <= w; gm++) {
                    if (w % gm != 0 || gm > maxM || w / gm > maxN) continue;
                    long cost = (long) (w / gm) * M + (long) gm * N;
                    if (cost < bestCost) { bestCost = cost; bestM = gm; bestN = w / gm; }
                }
            }
            t.stepM = roundUp((M + bestM - 1) / bestM, MR);
            t.stepN = roundUp((N + bestN - 1) / bestN, NR);
            t.gm = (M + t.stepM - 1) / t.stepM;
            t.gn = (N + t.stepN - 1) / t.stepN;
        }
        int tasks = t.gm * t.gn;
        // An operand that several rectangles would each pack is packed once, in parallel, beforehand
        // (when it is small enough to keep whole: the products of a small model, where packing is a
        // large part of the time).
        t.mPad = roundUp(M, MR);
        t.nPad = roundUp(N, NR);
        t.shareA = !t.vector && t.gn > 1 && (long) t.mPad * K <= SHARE_LIMIT;
        t.shareB = !t.vector && t.gm > 1 && (long) t.nPad * K <= SHARE_LIMIT;
        try {
            if (t.shareA || t.shareB) {
                if (t.shareA && sharedA.length < t.mPad * K) sharedA = new float[t.mPad * K];
                if (t.shareB && sharedB.length < t.nPad * K) sharedB = new float[t.nPad * K];
                prepack.aTasks = t.shareA ? Math.min(threads, t.mPad / MR) : 0;
                prepack.bTasks = t.shareB ? Math.min(threads, t.nPad / NR) : 0;
                Parallel.forEach(prepack.aTasks + prepack.bTasks, prepack);
            }
            if (t.splitK && want == 1) for (int i = 0; i < tasks; i++) t.run(i, 0);   // small: not worth waking the pool
            else Parallel.forEach(tasks, t);
            if (t.splitK) addPartials(c, co, N, tasks, accumulate);
        } finally {
            t.c = t.a = t.b = null;
        }
    }

    private final class Task implements Parallel.Body {
        float[] c, a, b;
        int co, ao, bo, lda, ldb, M, K, N, gm, gn, stepM, stepN, stepK, mPad, nPad;
        boolean transA, transB, accumulate, vector, shareA, shareB, splitK;

        @Override public void run(int task, int worker) {
            if (splitK) {
                int k0 = task * stepK, k1 = Math.min(K, k0 + stepK);
                vecMat(partials[task], 0, a, ao + k0, b, bo + k0 * ldb, ldb, k1 - k0, N, false);
                return;
            }
            int i0 = (task / gn) * stepM, i1 = Math.min(M, i0 + stepM);
            int j0 = (task % gn) * stepN, j1 = Math.min(N, j0 + stepN);
            if (vector) {
                if (transB) vecMatT(c, co + j0, a, ao, b, bo + j0 * ldb, ldb, K, j1 - j0, accumulate);
                else vecMat(c, co + j0, a, ao, b, bo + j0, ldb, K, j1 - j0, accumulate);
                return;
            }
            Scratch s = scratch[worker];
            blocked(c, co + i0 * N + j0, N, a, transA ? ao + i0 : ao + i0 * lda, lda, transA,
                    b, transB ? bo + j0 * ldb : bo + j0, ldb, transB, i1 - i0, K, j1 - j0, accumulate, s,
                    shareA ? sharedA : null, mPad, i0, shareB ? sharedB : null, nPad, j0);
        }
    }

    /**
     * Packs A (B) once for the whole product when several rectangles would each pack it: tasks [0, aTasks)
     * pack groups of A's row panels, the rest groups of B's column panels; layout per KC block at
     * pc·mPad (pc·nPad), one micro-panel after another, as {@link #blocked} reads them.
     */
    private final class Prepack implements Parallel.Body {
        int aTasks, bTasks;

        @Override public void run(int task, int worker) {
            Task t = Gemm.this.task;
            if (task < aTasks) {
                int panels = t.mPad / MR, p0 = panels * task / aTasks, p1 = panels * (task + 1) / aTasks;
                int i0 = p0 * MR, i1 = Math.min(t.M, p1 * MR);
                if (i1 <= i0) return;
                for (int pc = 0; pc < t.K; pc += KC) {
                    int kc = Math.min(KC, t.K - pc), d0 = pc * t.mPad + p0 * kc * MR;
                    if (t.transA) packAT(sharedA, d0, t.a, t.ao, t.lda, pc, kc, i0, i1 - i0);
                    else packAN(sharedA, d0, t.a, t.ao, t.lda, pc, kc, i0, i1 - i0);
                }
            } else {
                task -= aTasks;
                int panels = t.nPad / NR, q0 = panels * task / bTasks, q1 = panels * (task + 1) / bTasks;
                int j0 = q0 * NR, j1 = Math.min(t.N, q1 * NR);
                if (j1 <= j0) return;
                for (int pc = 0; pc < t.K; pc += KC) {
                    int kc = Math.min(KC, t.K - pc), d0 = pc * t.nPad + q0 * kc * NR;
                    if (t.transB) packBT(sharedB, d0, t.b, t.bo, t.ldb, pc, kc, j0, j1 - j0);
                    else packBN(sharedB, d0, t.b, t.bo, t.ldb, pc, kc, j0, j1 - j0);
                }
            }
        }
    }

    /** One product on the calling thread with explicit leading dimensions (see {@link #blocked}). */
    static void serial(float[] c, int co, int ldc, float[] a, int ao, int lda, boolean transA,
                       float[] b, int bo, int ldb, boolean transB, int M, int K, int N, boolean accumulate, Scratch s) {
        if (M <= 0 || N <= 0) return;
        if (K <= 0) {
            if (!accumulate) for (int i = 0; i < M; i++) java.util.Arrays.fill(c, co + i * ldc, co + i * ldc + N, 0f);
            return;
        }
        blocked(c, co, ldc, a, ao, lda, transA, b, bo, ldb, transB, M, K, N, accumulate, s);
    }

    /** c[0..n) (+)= Σ of the first `tasks` partial outputs of a K-split matrix-vector product. */
    private void addPartials(float[] c, int co, int n, int tasks, boolean accumulate) {
        // one pass per partial, so no vector is carried around a loop or merged through a branch (see sum)
        for (int t = 0; t < tasks; t++) {
            float[] p = partials[t];
            boolean add = accumulate || t > 0;
            int j = 0, nv = n - n % L;
            if (add) for (; j < nv; j += L) FloatVector.fromArray(S, c, co + j).add(FloatVector.fromArray(S, p, j)).intoArray(c, co + j);
            else for (; j < nv; j += L) FloatVector.fromArray(S, p, j).intoArray(c, co + j);
            for (; j < n; j++) c[co + j] = add ? c[co + j] + p[j] : p[j];
        }
    }

    /** Σ of the lanes in a fixed order (see {@link VecMath#sum}). */
    static float sum(FloatVector acc) { return VecMath.sum(acc); }

    /** out[j] (+)= Σ_k x[k] · W[j][k] for a row vector x and W stored (n, ldw): one dot product per row of W. */
    static void vecMatT(float[] c, int co, float[] x, int xo, float[] w, int wo, int ldw, int K, int n, boolean accumulate) {
        int kv = K - K % L;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            int r0 = wo + j * ldw, r1 = r0 + ldw, r2 = r1 + ldw, r3 = r2 + ldw;
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            for (int k = 0; k < kv; k += L) {
                FloatVector xv = FloatVector.fromArray(S, x, xo + k);
                a0 = xv.fma(FloatVector.fromArray(S, w, r0 + k), a0);
                a1 = xv.fma(FloatVector.fromArray(S, w, r1 + k), a1);
                a2 = xv.fma(FloatVector.fromArray(S, w, r2 + k), a2);
                a3 = xv.fma(FloatVector.fromArray(S, w, r3 + k), a3);
            }
            float s0 = sum(a0), s1 = sum(a1);
            float s2 = sum(a2), s3 = sum(a3);
            for (int k = kv; k < K; k++) {
                float xk = x[xo + k];
                s0 += xk * w[r0 + k]; s1 += xk * w[r1 + k]; s2 += xk * w[r2 + k]; s3 += xk * w[r3 + k];
            }
            if (accumulate) { c[co + j] += s0; c[co + j + 1] += s1; c[co + j + 2] += s2; c[co + j + 3] += s3; }
            else { c[co + j] = s0; c[co + j + 1] = s1; c[co + j + 2] = s2; c[co + j + 3] = s3; }
        }
        for (; j < n; j++) {
            int r0 = wo + j * ldw;
            FloatVector a0 = FloatVector.zero(S);
            for (int k = 0; k < kv; k += L) a0 = FloatVector.fromArray(S, x, xo + k).fma(FloatVector.fromArray(S, w, r0 + k), a0);
            float s0 = sum(a0);
            for (int k = kv; k < K; k++) s0 += x[xo + k] * w[r0 + k];
            if (accumulate) c[co + j] += s0; else c[co + j] = s0;
        }
    }

    /**
     * out[j] (+)= Σ_k x[k] · W[k][j] for a row vector x and row-major W (ldw): axpy over W's rows, several
     * rows per sweep over the output so c is read and written K/rows times, not K. How many rows, by the
     * row's width (measured on rows far from L1): narrow rows (≤ 512 floats) go one at a time — several
     * short streams at once the prefetchers follow poorly (+15–18 % at 384) — wide ones (≥ 1,536) eight
     * at a time (+10–20 %), the rest four.
     */
    static void vecMat(float[] c, int co, float[] x, int xo, float[] w, int wo, int ldw, int K, int n, boolean accumulate) {
        int nv = n - n % L;
        if (!accumulate) java.util.Arrays.fill(c, co, co + n, 0f);
        int k = 0;
        if (n >= 1536) {
            for (; k + 7 < K; k += 8) {
                float x0 = x[xo + k], x1 = x[xo + k + 1], x2 = x[xo + k + 2], x3 = x[xo + k + 3];
                float x4 = x[xo + k + 4], x5 = x[xo + k + 5], x6 = x[xo + k + 6], x7 = x[xo + k + 7];
                int r0 = wo + k * ldw, r1 = r0 + ldw, r2 = r1 + ldw, r3 = r2 + ldw, r4 = r3 + ldw, r5 = r4 + ldw, r6 = r5 + ldw, r7 = r6 + ldw;
                for (int j = 0; j < nv; j += L) {   // broadcasts inside: no vector lives across the back-edge
                    FloatVector acc = FloatVector.fromArray(S, w, r0 + j).fma(FloatVector.broadcast(S, x0), FloatVector.fromArray(S, c, co + j));
                    acc = FloatVector.fromArray(S, w, r1 + j).fma(FloatVector.broadcast(S, x1), acc);
                    acc = FloatVector.fromArray(S, w, r2 + j).fma(FloatVector.broadcast(S, x2), acc);
                    acc = FloatVector.fromArray(S, w, r3 + j).fma(FloatVector.broadcast(S, x3), acc);
                    acc = FloatVector.fromArray(S, w, r4 + j).fma(FloatVector.broadcast(S, x4), acc);
                    acc = FloatVector.fromArray(S, w, r5 + j).fma(FloatVector.broadcast(S, x5), acc);
                    acc = FloatVector.fromArray(S, w, r6 + j).fma(FloatVector.broadcast(S, x6), acc);
                    FloatVector.fromArray(S, w, r7 + j).fma(FloatVector.broadcast(S, x7), acc).intoArray(c, co + j);
                }
                for (int j = nv; j < n; j++)
                    c[co + j] += x0 * w[r0 + j] + x1 * w[r1 + j] + x2 * w[r2 + j] + x3 * w[r3 + j]
                            + x4 * w[r4 + j] + x5 * w[r5 + j] + x6 * w[r6 + j] + x7 * w[r7 + j];
            }
        }
        if (n > 512) {
            for (; k + 3 < K; k += 4) {
                float x0 = x[xo + k], x1 = x[xo + k + 1], x2 = x[xo + k + 2], x3 = x[xo + k + 3];
                int r0 = wo + k * ldw, r1 = r0 + ldw, r2 = r1 + ldw, r3 = r2 + ldw;
                for (int j = 0; j < nv; j += L) {
                    FloatVector acc = FloatVector.fromArray(S, w, r0 + j).fma(FloatVector.broadcast(S, x0), FloatVector.fromArray(S, c, co + j));
                    acc = FloatVector.fromArray(S, w, r1 + j).fma(FloatVector.broadcast(S, x1), acc);
                    acc = FloatVector.fromArray(S, w, r2 + j).fma(FloatVector.broadcast(S, x2), acc);
                    FloatVector.fromArray(S, w, r3 + j).fma(FloatVector.broadcast(S, x3), acc).intoArray(c, co + j);
                }
                for (int j = nv; j < n; j++) c[co + j] += x0 * w[r0 + j] + x1 * w[r1 + j] + x2 * w[r2 + j] + x3 * w[r3 + j];
            }
        }
        for (; k < K; k++) {
            float x0 = x[xo + k];
            int r0 = wo + k * ldw;
            for (int j = 0; j < nv; j += L)
                FloatVector.fromArray(S, w, r0 + j).fma(FloatVector.broadcast(S, x0), FloatVector.fromArray(S, c, co + j)).intoArray(c, co + j);
            for (int j = nv; j < n; j++) c[co + j] += x0 * w[r0 + j];
        }
    }

    /**
     * The serial Goto loops. C(M,N) at c[co + i·ldc + j]; A[i][k] at a[ao + i·lda + k] (or a[ao + k·lda + i]
     * if transA); B[k][j] at b[bo + k·ldb + j] (or b[bo + j·ldb + k] if transB).
     */
    static void blocked(float[] c, int co, int ldc, float[] a, int ao, int lda, boolean transA,
                        float[] b, int bo, int ldb, boolean transB, int M, int K, int N, boolean accumulate, Scratch s) {
        blocked(c, co, ldc, a, ao, lda, transA, b, bo, ldb, transB, M, K, N, accumulate, s, null, 0, 0, null, 0, 0);
    }

    /**
     * As above; when sa (sb) is not null, A (B) was packed already for the whole product (see {@link #prepack}):
     * this rectangle's rows start at row i0 of a product padded to mPad rows (columns at j0 of nPad).
     */
    static void blocked(float[] c, int co, int ldc, float[] a, int ao, int lda, boolean transA,
                        float[] b, int bo, int ldb, boolean transB, int M, int K, int N, boolean accumulate, Scratch s,
                        float[] sa, int mPad, int i0, float[] sb, int nPad, int j0) {
        float[] strip = s.strip;
        float[] ap = sa != null ? sa : s.ap, bp = sb != null ? sb : s.bp;
        for (int jc = 0; jc < N; jc += NC) {
            int nc = Math.min(NC, N - jc);
            for (int pc = 0; pc < K; pc += KC) {
                int kc = Math.min(KC, K - pc);
                boolean add = accumulate || pc > 0;
                int bBase = 0;
                if (sb != null) bBase = pc * nPad + ((j0 + jc) / NR) * kc * NR;
                else if (transB) packBT(bp, 0, b, bo, ldb, pc, kc, jc, nc);
                else packBN(bp, 0, b, bo, ldb, pc, kc, jc, nc);
                for (int ic = 0; ic < M; ic += MC) {
                    int mc = Math.min(MC, M - ic);
                    int aBase = 0;
                    if (sa != null) aBase = pc * mPad + ((i0 + ic) / MR) * kc * MR;
                    else if (transA) packAT(ap, 0, a, ao, lda, pc, kc, ic, mc);
                    else packAN(ap, 0, a, ao, lda, pc, kc, ic, mc);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int bOff = bBase + (jr / NR) * kc * NR;
                        // The tiles of one column strip go to a contiguous buffer, then into C in one pass:
                        // C's rows are ldc apart (often a multiple of 4 KiB), and reading them between
                        // tiles would evict the B micro-panel from L1 and stall on misses.
                        for (int ir = 0; ir < mc; ir += MR)
                            kernel(kc, ap, aBase + (ir / MR) * kc * MR, bp, bOff, strip, ir * NR, NR, false);
                        mergeStrip(c, co + ic * ldc + jc + jr, ldc, strip, mc, Math.min(NR, nc - jr), add);
                    }
                }
            }
        }
    }

    /**
     * C[r][0..nr) (+)= strip[r·NR + 0..nr) for r < mc. One loop per case, so no vector flows through a
     * branch (a call on such a merged value binds statically only with a type profile, see {@link #sum}).
     */
    static void mergeStrip(float[] c, int co, int ldc, float[] strip, int mc, int nr, boolean add) {
        if (nr == NR && add) {
            for (int r = 0, o = co, so = 0; r < mc; r++, o += ldc, so += NR) {
                FloatVector.fromArray(S, c, o).add(FloatVector.fromArray(S, strip, so)).intoArray(c, o);
                FloatVector.fromArray(S, c, o + L).add(FloatVector.fromArray(S, strip, so + L)).intoArray(c, o + L);
            }
        } else if (nr == NR) {
            for (int r = 0, o = co, so = 0; r < mc; r++, o += ldc, so += NR) {
                FloatVector.fromArray(S, strip, so).intoArray(c, o);
                FloatVector.fromArray(S, strip, so + L).intoArray(c, o + L);
            }
        } else {
            for (int r = 0, o = co, so = 0; r < mc; r++, o += ldc, so += NR) {
                if (add) for (int q = 0; q < nr; q++) c[o + q] += strip[so + q];
                else for (int q = 0; q < nr; q++) c[o + q] = strip[so + q];
            }
        }
    }

    /**
     * C(M,N) (+)= A(M,K)·B(K,N) from operands packed whole along k (no KC blocks), as one packed K or V
     * serves every query block of an attention head: A's row panels at ap[p·kA·MR + (aK0 + k)·MR + r]
     * (kA = the k extent it was packed with), B's column panels at bp[q·kB·NR + (bK0 + k)·NR + c].
     */
    static void panels(float[] c, int co, int ldc, float[] ap, int kA, int aK0, float[] bp, int kB, int bK0,
                       int M, int K, int N, boolean accumulate, float[] edge) {
        if (K <= 0) {
            if (!accumulate) for (int i = 0; i < M; i++) java.util.Arrays.fill(c, co + i * ldc, co + i * ldc + N, 0f);
            return;
        }
        for (int jr = 0; jr < N; jr += NR) {
            int nr = Math.min(NR, N - jr);
            int bOff = (jr / NR) * kB * NR + bK0 * NR;
            for (int ir = 0; ir < M; ir += MR) {
                int mr = Math.min(MR, M - ir);
                int aOff = (ir / MR) * kA * MR + aK0 * MR;
                int cOff = co + ir * ldc + jr;
                if (mr == MR && nr == NR) {
                    kernel(K, ap, aOff, bp, bOff, c, cOff, ldc, accumulate);
                } else {
                    kernel(K, ap, aOff, bp, bOff, edge, 0, NR, false);
                    for (int r = 0; r < mr; r++) {
                        int cr = cOff + r * ldc, er = r * NR;
                        if (accumulate) for (int q = 0; q < nr; q++) c[cr + q] += edge[er + q];
                        else for (int q = 0; q < nr; q++) c[cr + q] = edge[er + q];
                    }
                }
            }
        }
    }

    // ---- packing: A block (mc×kc) into MR-row micro-panels [panel][k][r]; B block (kc×nc) into NR-column
    // micro-panels [panel][k][q]; zeros past the edges so the micro-kernel never needs a tail ------------

    /** A row-major: A[i][k] = a[ao + i·lda + k]. */
    static void packAN(float[] dst, int d0, float[] a, int ao, int lda, int pc, int kc, int ic, int mc) {
        for (int ir = 0; ir < mc; ir += MR) {
            int base = d0 + (ir / MR) * kc * MR;
            int mr = Math.min(MR, mc - ir);
            if (mr == MR) {
                int s0 = ao + (ic + ir) * lda + pc, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
                for (int k = 0, d = base; k < kc; k++, d += MR) {
                    dst[d] = a[s0 + k];
                    dst[d + 1] = a[s1 + k];
                    dst[d + 2] = a[s2 + k];
                    dst[d + 3] = a[s3 + k];
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    int d = base + r;
                    if (r < mr) {
                        int s = ao + (ic + ir + r) * lda + pc;
                        for (int k = 0; k < kc; k++, d += MR) dst[d] = a[s + k];
                    } else {
                        for (int k = 0; k < kc; k++, d += MR) dst[d] = 0f;
                    }
                }
            }
        }
    }

    /** A stored transposed: A[i][k] = a[ao + k·lda + i]. Row by row of a, so each is read once, contiguously. */
    static void packAT(float[] dst, int d0, float[] a, int ao, int lda, int pc, int kc, int ic, int mc) {
        int full = mc / MR * MR, panel = kc * MR;
        for (int k = 0; k < kc; k++) {
            int s = ao + (pc + k) * lda + ic, d = d0 + k * MR;
            int ir = 0;
            // four scalar copies, not a 128-bit vector: that one sometimes compiled boxed (510 MB a step on config B)
            for (; ir < full; ir += MR, d += panel) {
                int q = s + ir;
                dst[d] = a[q]; dst[d + 1] = a[q + 1]; dst[d + 2] = a[q + 2]; dst[d + 3] = a[q + 3];
            }
            if (ir < mc) {
                int r = 0;
                for (; r < mc - ir; r++) dst[d + r] = a[s + ir + r];
                for (; r < MR; r++) dst[d + r] = 0f;
            }
        }
    }

    /** B row-major: B[k][j] = b[bo + k·ldb + j]. */
    static void packBN(float[] dst, int d0, float[] b, int bo, int ldb, int pc, int kc, int jc, int nc) {
        for (int jr = 0; jr < nc; jr += NR) {
            int base = d0 + (jr / NR) * kc * NR;
            int nr = Math.min(NR, nc - jr);
            if (nr == NR) {
                for (int k = 0; k < kc; k++) {
                    int s = bo + (pc + k) * ldb + jc + jr, d = base + k * NR;
                    FloatVector.fromArray(S, b, s).intoArray(dst, d);
                    FloatVector.fromArray(S, b, s + L).intoArray(dst, d + L);
                }
            } else {
                for (int k = 0; k < kc; k++) {
                    int s = bo + (pc + k) * ldb + jc + jr, d = base + k * NR;
                    int q = 0;
                    for (; q < nr; q++) dst[d + q] = b[s + q];
                    for (; q < NR; q++) dst[d + q] = 0f;
                }
            }
        }
    }

    /**
     * B stored transposed: B[k][j] = b[bo + j·ldb + k]. A full panel is a 16-way transpose: each packed row
     * gathers one element from each of the panel's NR rows of b (two gathers of L lanes).
     */
    static void packBT(float[] dst, int d0, float[] b, int bo, int ldb, int pc, int kc, int jc, int nc) {
        int[] idx = gatherIndex(ldb);
        for (int jr = 0; jr < nc; jr += NR) {
            int base = d0 + (jr / NR) * kc * NR;
            int nr = Math.min(NR, nc - jr);
            if (nr == NR && idx != null) {
                int s0 = bo + (jc + jr) * ldb + pc, s1 = s0 + L * ldb;
                for (int k = 0, d = base; k < kc; k++, d += NR) {
                    FloatVector.fromArray(S, b, s0 + k, idx, 0).intoArray(dst, d);
                    FloatVector.fromArray(S, b, s1 + k, idx, 0).intoArray(dst, d + L);
                }
                continue;
            }
            for (int q = 0; q < NR; q++) {
                int d = base + q;
                if (q < nr) {
                    int s = bo + (jc + jr + q) * ldb + pc;
                    for (int k = 0; k < kc; k++, d += NR) dst[d] = b[s + k];
                } else {
                    for (int k = 0; k < kc; k++, d += NR) dst[d] = 0f;
                }
            }
        }
    }

    private static final ThreadLocal<int[]> GATHER = ThreadLocal.withInitial(() -> new int[L + 1]);

    /** Lane offsets 0, ldb, 2·ldb, … (cached per thread, last slot holds ldb); null if they overflow. */
    private static int[] gatherIndex(int ldb) {
        if ((long) ldb * L > Integer.MAX_VALUE) return null;
        int[] idx = GATHER.get();
        if (idx[L] != ldb || idx[1] != ldb) {
            for (int i = 0; i < L; i++) idx[i] = i * ldb;
            idx[L] = ldb;
        }
        return idx;
    }

    /**
     * The micro-kernel: C[0..MR)[0..NR) (+)= Σ_k ap[k·MR + r] · bp[k·NR + q]. Per k: two B vectors, four
     * broadcasts, eight FMAs into accumulators that stay in registers. Everything is written out by hand:
     * a helper that took vectors as arguments would box them when C2 declines to inline it.
     */
    static void kernel(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int ai = aOff, bi = bOff;
        for (int k = 0; k < kc; k++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        // Receivers of the epilogue are fresh vectors (exact type) rather than the loop's accumulators, so C2
        // binds the calls statically even without a type profile (an OSR or early compile); else it boxes.
        int o = cOff;
        FloatVector z = FloatVector.zero(S);
        if (add) {
            FloatVector.fromArray(S, c, o).add(c00).intoArray(c, o); FloatVector.fromArray(S, c, o + L).add(c01).intoArray(c, o + L); o += ldc;
            FloatVector.fromArray(S, c, o).add(c10).intoArray(c, o); FloatVector.fromArray(S, c, o + L).add(c11).intoArray(c, o + L); o += ldc;
            FloatVector.fromArray(S, c, o).add(c20).intoArray(c, o); FloatVector.fromArray(S, c, o + L).add(c21).intoArray(c, o + L); o += ldc;
            FloatVector.fromArray(S, c, o).add(c30).intoArray(c, o); FloatVector.fromArray(S, c, o + L).add(c31).intoArray(c, o + L);
        } else {
            z.add(c00).intoArray(c, o); z.add(c01).intoArray(c, o + L); o += ldc;
            z.add(c10).intoArray(c, o); z.add(c11).intoArray(c, o + L); o += ldc;
            z.add(c20).intoArray(c, o); z.add(c21).intoArray(c, o + L); o += ldc;
            z.add(c30).intoArray(c, o); z.add(c31).intoArray(c, o + L);
        }
    }
}
