package jgpt.tensor;

/**
 * {@link FastKernels} with the big matrix products on OpenBLAS ({@link OpenBlas}): everything else
 * (attention, LayerNorm, softmax + cross-entropy, GELU, AdamW, and matrix-vector products, where the
 * pure-Java code is faster) stays pure Java. OpenBLAS runs single-threaded inside jgpt's own pool: a
 * product is cut into one band of rows or columns per {@link Parallel} worker, so there is one set of
 * threads (two pools spinning against each other on few cores cost more than they gain).
 * Tested against {@link NaiveKernels} like every fast kernel.
 */
public final class BlasKernels extends FastKernels {
    /** Products with fewer rows stay on {@link Gemm} (generation: matrix-vector, 3–9× faster in Java). */
    static final int MIN_ROWS = Integer.getInteger("jgpt.blas.minRows", 8);
    /**
     * Products below this many FLOPs stay on {@link Gemm} too. 0 by measurement: OpenBLAS's bands were
     * faster in whole training steps on every config of BENCHMARKS.md, even config A's 25-MFLOP products.
     */
    static final long MIN_FLOPS = Long.getLong("jgpt.blas.minFlops", 0L);

    private OpenBlas.Segments[] segments = new OpenBlas.Segments[0];   // one table per worker: lookups are not thread-safe
    private final Bands bands = new Bands();

    private final long minFlops;

    /** Throws IllegalStateException with the loader's reason when OpenBLAS is not available here. */
    public BlasKernels() { this(MIN_FLOPS); }

    /** minFlops: products with 2·M·K·N below it run on the pure-Java GEMM (0: everything on OpenBLAS but M < 8). */
    public BlasKernels(long minFlops) {
        this.minFlops = minFlops;
        if (!OpenBlas.available()) throw new IllegalStateException("OpenBLAS is not available: " + OpenBlas.loadError());
        OpenBlas.setThreads(1);
    }

    @Override public synchronized void matmul(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        if (!blas(out, a, b, M, K, N)) { super.matmul(out, a, b, M, K, N, acc); return; }
        run(out, a, false, b, false, M, K, N, acc);
    }

    @Override public synchronized void matmulNT(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        if (!blas(out, a, b, M, K, N)) { super.matmulNT(out, a, b, M, K, N, acc); return; }
        run(out, a, false, b, true, M, K, N, acc);
    }

    @Override public synchronized void matmulTN(Tensor out, Tensor a, Tensor b, int M, int K, int N, boolean acc) {
        if (!blas(out, a, b, M, K, N)) { super.matmulTN(out, a, b, M, K, N, acc); return; }
        run(out, a, true, b, false, M, K, N, acc);
    }

    @Override public Kernels copy() { return new BlasKernels(minFlops); }

    private boolean blas(Tensor out, Tensor a, Tensor b, int M, int K, int N) {
        return M >= MIN_ROWS && K > 0 && N > 0 && 2L * M * K * N >= minFlops && out.f != null && a.f != null && b.f != null;
    }

    private void run(Tensor out, Tensor a, boolean transA, Tensor b, boolean transB, int M, int K, int N, boolean acc) {
        Bands t = bands;
        t.c = out.f; t.co = out.off; t.a = a.f; t.ao = a.off; t.b = b.f; t.bo = b.off;
        t.transA = transA; t.transB = transB; t.M = M; t.K = K; t.N = N; t.acc = acc;
        int threads = Parallel.threads();
        if (segments.length < threads) {
            OpenBlas.Segments[] s = java.util.Arrays.copyOf(segments, threads);
            for (int w = segments.length; w < threads; w++) s[w] = new OpenBlas.Segments();
            segments = s;
        }
        long flops = 2L * M * N * K;
        t.rows = M >= N;                              // cut the longer side
        int side = t.rows ? M : N;
        int parts = flops < Gemm.PARALLEL_FLOPS ? 1 : Math.max(1, Math.min(Parallel.width(), side / 16));
        t.step = (side + parts - 1) / parts;
        t.step = (t.step + 15) / 16 * 16;
        t.parts = (side + t.step - 1) / t.step;
        try {
            Parallel.forEach(t.parts, t);
        } finally {
            t.c = t.a = t.b = null;
        }
    }

    /** One band of C's rows (or columns) per task; the operands' offsets follow from their layouts. */
    private final class Bands implements Parallel.Body {
        float[] c, a, b;
        int co, ao, bo, M, K, N, step, parts;
        boolean transA, transB, acc, rows;

        @Override public void run(int task, int worker) {
            int lo = task * step, hi = Math.min(rows ? M : N, lo + step);
            if (hi <= lo) return;
            int lda = transA ? M : K, ldb = transB ? K : N;
            if (rows) {      // rows lo..hi of C and of op(A)
                OpenBlas.sgemm(segments[worker], c, co + lo * N, N, a, transA ? ao + lo : ao + lo * lda, lda, transA,
                        b, bo, ldb, transB, hi - lo, K, N, acc);
            } else {         // columns lo..hi of C and of op(B)
                OpenBlas.sgemm(segments[worker], c, co + lo, N, a, ao, lda, transA,
                        b, transB ? bo + lo * ldb : bo + lo, ldb, transB, M, K, hi - lo, acc);
            }
        }
    }
}
