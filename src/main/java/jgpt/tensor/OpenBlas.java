package jgpt.tensor;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * OpenBLAS's {@code cblas_sgemm} through the FFM API. The native library ships inside the Maven artifact
 * {@code org.bytedeco:openblas} (classifier linux-x86_64): it is copied once, with the runtime libraries it
 * needs beside it (its RUNPATH is $ORIGIN), into the jgpt cache ($JGPT_CACHE or ~/.cache/jgpt), and called
 * on the Java arrays themselves: a critical downcall may read heap segments, so nothing is copied.
 *
 * <p>{@link #available()} is false where the library cannot load (another OS or CPU, no cache directory);
 * callers then stay on the pure-Java {@link Gemm}. {@link #loadError()} says why.
 */
public final class OpenBlas {
    private OpenBlas() {}

    static final String VERSION = "0.3.31-1.5.13";
    private static final String RES = "org/bytedeco/openblas/linux-x86_64/";
    private static final String[] LIBS = {"libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0"};
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private static final MethodHandle SGEMM, SET_THREADS;
    private static final String ERROR;

    static {
        MethodHandle sgemm = null, setThreads = null;
        String error = null;
        try {
            if (!System.getProperty("os.name", "").toLowerCase().contains("linux") || !System.getProperty("os.arch", "").matches("amd64|x86_64"))
                throw new IllegalStateException("the bundled OpenBLAS is for linux-x86_64 only");
            Path dir = extract();
            SymbolLookup lib = SymbolLookup.libraryLookup(dir.resolve("libopenblas.so.0"), Arena.global());
            Linker linker = Linker.nativeLinker();
            var I = ValueLayout.JAVA_INT;
            var F = ValueLayout.JAVA_FLOAT;
            var A = ValueLayout.ADDRESS;
            sgemm = linker.downcallHandle(lib.find("cblas_sgemm").orElseThrow(),
                    FunctionDescriptor.ofVoid(I, I, I, I, I, I, F, A, I, A, I, F, A, I), Linker.Option.critical(true));
            setThreads = linker.downcallHandle(lib.find("openblas_set_num_threads").orElseThrow(), FunctionDescriptor.ofVoid(I));
        } catch (Throwable t) {
            error = t.getClass().getSimpleName() + ": " + t.getMessage();
            sgemm = setThreads = null;
        }
        SGEMM = sgemm;
        SET_THREADS = setThreads;
        ERROR = error;
    }

    /** True when the native library loaded. */
    public static boolean available() { return SGEMM != null; }

    /** Why the library did not load, or null. */
    public static String loadError() { return ERROR; }

    /** Copies the libraries into the cache once (temp file, then rename), so every later start just maps them. */
    private static Path extract() throws IOException {
        String env = System.getenv("JGPT_CACHE");
        Path cache = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "jgpt");
        Path dir = cache.resolve("native").resolve("openblas-" + VERSION);
        Files.createDirectories(dir);
        for (String lib : LIBS) {
            java.net.URL url = OpenBlas.class.getClassLoader().getResource(RES + lib);
            if (url == null) throw new IllegalStateException(RES + lib + " is not on the classpath");
            Path p = dir.resolve(lib);
            java.net.URLConnection conn = url.openConnection();
            if (Files.isRegularFile(p) && Files.size(p) == conn.getContentLengthLong()) continue;   // copied before
            try (InputStream in = conn.getInputStream()) {
                Path tmp = Files.createTempFile(dir, lib, ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return dir;
    }

    private static int threads = -1;

    /** OpenBLAS's own thread count (its pool is separate from {@link Parallel}'s). */
    public static synchronized void setThreads(int n) {
        if (!available() || n == threads) return;
        try { SET_THREADS.invokeExact(n); } catch (Throwable t) { throw new IllegalStateException(t); }
        threads = n;
    }

    /**
     * C(M,N) (+)= op(A)·op(B), row-major, with leading dimensions: op(A)[i][k] = a[ao + i·lda + k] (or
     * a[ao + k·lda + i] if transA), op(B)[k][j] = b[bo + k·ldb + j] (or b[bo + j·ldb + k] if transB),
     * C[i][j] = c[co + i·ldc + j]. The segments come from {@code segs} (called from one thread per segs).
     */
    static void sgemm(Segments segs, float[] c, int co, int ldc, float[] a, int ao, int lda, boolean transA,
                      float[] b, int bo, int ldb, boolean transB, int M, int K, int N, boolean accumulate) {
        try {
            SGEMM.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, M, N, K, 1f,
                    segs.of(a, ao), lda, segs.of(b, bo), ldb, accumulate ? 1f : 0f, segs.of(c, co), ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }

    /**
     * Heap segments of (array, offset) pairs, made once and then looked up: a training step uses the same
     * few dozen tensor views every time, so after the first step no segment is allocated. Open addressing
     * on identity; when half full it starts over (only reached if views keep changing). A segment holds its
     * array, so arrays a model has replaced (activations of an earlier batch shape) stay reachable until
     * that reset: bounded, and the price of an allocation-free step.
     */
    static final class Segments {
        private static final int SIZE = 1 << 14;   // power of two, > 2× the (array, offset) pairs of a big model's step
        private final float[][] arrays = new float[SIZE][];
        private final int[] offsets = new int[SIZE];
        private final MemorySegment[] segments = new MemorySegment[SIZE];
        private int used;

        MemorySegment of(float[] a, int off) {
            int h = (System.identityHashCode(a) * 0x9E3779B1 + off * 0x85EBCA77) & (SIZE - 1);
            while (arrays[h] != null) {
                if (arrays[h] == a && offsets[h] == off) return segments[h];
                h = (h + 1) & (SIZE - 1);
            }
            if (used >= SIZE / 2) { java.util.Arrays.fill(arrays, null); java.util.Arrays.fill(segments, null); used = 0; return of(a, off); }
            MemorySegment s = MemorySegment.ofArray(a).asSlice(4L * off);
            arrays[h] = a; offsets[h] = off; segments[h] = s; used++;
            return s;
        }
    }
}
