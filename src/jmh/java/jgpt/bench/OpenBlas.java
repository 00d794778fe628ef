package jgpt.bench;

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
 * OpenBLAS's cblas_sgemm through the FFM API, for comparison only (benchmarks profile): the native
 * library ships inside org.bytedeco:openblas (classifier linux-x86_64); it is extracted with its
 * runtime dependencies to a temp directory (its RUNPATH is $ORIGIN) and called on the Java arrays
 * directly (a critical downcall may read heap segments without copying).
 */
final class OpenBlas {
    private OpenBlas() {}

    private static final String RES = "org/bytedeco/openblas/linux-x86_64/";
    private static final String[] LIBS = {"libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0"};
    private static final MethodHandle SGEMM, SET_THREADS;
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    static {
        try {
            Path dir = Files.createTempDirectory("jgpt-openblas");
            dir.toFile().deleteOnExit();
            for (String lib : LIBS) {
                try (InputStream in = OpenBlas.class.getClassLoader().getResourceAsStream(RES + lib)) {
                    if (in == null) throw new IllegalStateException(RES + lib + " not on the classpath (build with -Pjmh)");
                    Path p = dir.resolve(lib);
                    Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                    p.toFile().deleteOnExit();
                }
            }
            SymbolLookup lib = SymbolLookup.libraryLookup(dir.resolve("libopenblas.so.0"), Arena.global());
            Linker linker = Linker.nativeLinker();
            var I = ValueLayout.JAVA_INT;
            var F = ValueLayout.JAVA_FLOAT;
            var A = ValueLayout.ADDRESS;
            SGEMM = linker.downcallHandle(lib.find("cblas_sgemm").orElseThrow(),
                    FunctionDescriptor.ofVoid(I, I, I, I, I, I, F, A, I, A, I, F, A, I), Linker.Option.critical(true));
            SET_THREADS = linker.downcallHandle(lib.find("openblas_set_num_threads").orElseThrow(), FunctionDescriptor.ofVoid(I));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static void setThreads(int n) {
        try { SET_THREADS.invokeExact(n); } catch (Throwable t) { throw new RuntimeException(t); }
    }

    /** Same contract as jgpt.tensor.Gemm: transA means a is stored (K, M), transB means b is stored (N, K). */
    static void sgemm(float[] c, float[] a, boolean transA, float[] b, boolean transB, int M, int K, int N, boolean accumulate) {
        try {
            SGEMM.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, M, N, K, 1f,
                    MemorySegment.ofArray(a), transA ? M : K, MemorySegment.ofArray(b), transB ? K : N,
                    accumulate ? 1f : 0f, MemorySegment.ofArray(c), N);
        } catch (Throwable t) {
            throw new RuntimeException(t);
        }
    }
}
