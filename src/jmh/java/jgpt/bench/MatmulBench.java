package jgpt.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import jgpt.tensor.FastKernels;
import jgpt.tensor.Parallel;
import jgpt.tensor.Tensor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GFLOP/s of the matrix products of a training step, per shape and layout, for the pure-Java GEMM
 * (FastKernels) and OpenBLAS (cblas_sgemm via FFM). The "gflop" line of the results is GFLOP/s.
 * Shapes are M×K×N as the Kernels interface takes them; the prefix says which config and which product:
 * A = (vocab 65, C 128, B·T 768), B = (C 384, B·T 2048), C = GPT-2 124M (C 768, V 50257, B·T 256).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:+UseParallelGC", "-Xmx8g"})
public class MatmulBench {
    @Param({
            "peak:1536x1536x1536:NN",
            "A.qkv:768x128x128:NN", "A.fc:768x128x512:NN", "A.proj:768x512x128:NN",
            "A.dqkv:768x128x128:NT", "A.dact:768x128x512:NT", "A.dln:768x512x128:NT",
            "A.dwqkv:128x768x128:TN", "A.dw1:128x768x512:TN", "A.dw2:512x768x128:TN",
            "B.qkv:2048x384x384:NN", "B.fc:2048x384x1536:NN", "B.proj:2048x1536x384:NN",
            "B.dqkv:2048x384x384:NT", "B.dact:2048x384x1536:NT", "B.dln:2048x1536x384:NT",
            "B.dwqkv:384x2048x384:TN", "B.dw1:384x2048x1536:TN", "B.dw2:1536x2048x384:TN",
            "C.qkv:256x768x768:NN", "C.fc:256x768x3072:NN", "C.proj:256x3072x768:NN",
            "C.dqkv:256x768x768:NT", "C.dact:256x768x3072:NT", "C.dln:256x3072x768:NT",
            "C.dwqkv:768x256x768:TN", "C.dw1:768x256x3072:TN", "C.dw2:3072x256x768:TN",
            "C.logits:256x768x50257:NT", "C.dxlogits:256x50257x768:NN", "C.dwvocab:50257x256x768:TN",
            "gen.logits:1x768x50257:NT", "gen.fc:1x768x3072:NN"})
    public String shape;

    @Param({"2"})
    public int threads;

    /** java (FastKernels), openblas (cblas_sgemm), or naive (NaiveKernels: slow, pass it explicitly with small shapes). */
    @Param({"java", "openblas"})
    public String impl;

    int M, K, N;
    boolean ta, tb;
    double gflop;
    float[] a, b, c;
    Tensor ta_, tb_, tc_;
    jgpt.tensor.Kernels k;

    @Setup public void setup() {
        String[] p = shape.split(":");
        String[] d = p[1].split("x");
        M = Integer.parseInt(d[0]); K = Integer.parseInt(d[1]); N = Integer.parseInt(d[2]);
        ta = p[2].equals("TN");
        tb = p[2].equals("NT");
        gflop = 2.0 * M * K * N / 1e9;
        Random r = new Random(1);
        a = new float[M * K]; b = new float[K * N]; c = new float[M * N];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        ta_ = Tensor.wrap("a", a, a.length); tb_ = Tensor.wrap("b", b, b.length); tc_ = Tensor.wrap("c", c, c.length);
        Parallel.setThreads(threads);
        k = switch (impl) {
            case "naive" -> new jgpt.tensor.NaiveKernels();
            case "openblas" -> new jgpt.tensor.BlasKernels(0);
            default -> new FastKernels();
        };
    }

    /** GFLOP done, reported by JMH as a rate: GFLOP/s. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Flops {
        public double gflop;
        @Setup(Level.Iteration) public void reset() { gflop = 0; }
    }

    @Benchmark public float[] matmul(Flops f) {
        if (ta) k.matmulTN(tc_, ta_, tb_, M, K, N, false);
        else if (tb) k.matmulNT(tc_, ta_, tb_, M, K, N, false);
        else k.matmul(tc_, ta_, tb_, M, K, N, false);
        f.gflop += gflop;
        return c;
    }
}
