package jgpt.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import jgpt.tensor.FastKernels;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;
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
 * Causal attention forward and backward per config, fast kernels or the naive reference. The "gflop"
 * result is GFLOP/s of the useful work only: 2·hs flops per (query, key ≤ query) pair for each product
 * (2 forward: q·kᵀ and att·v; 4 backward), the masked upper triangle not counted.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx8g"})
public class AttentionBench {
    /** B, T, C, H */
    @Param({"A:12x64x128x4", "B:8x256x384x6", "C:4x64x768x12"})
    public String config;

    @Param({"2"})
    public int threads;

    @Param({"fast"})
    public String impl;

    int B, T, C, H;
    double fwdGflop, bwdGflop;
    Kernels k;
    Tensor q, kk, v, out, att, dOut, dq, dk, dv, dAtt;

    @Setup public void setup() {
        String[] d = config.split(":")[1].split("x");
        B = Integer.parseInt(d[0]); T = Integer.parseInt(d[1]); C = Integer.parseInt(d[2]); H = Integer.parseInt(d[3]);
        double pairs = (double) B * H * T * (T + 1) / 2, hs = (double) C / H;
        fwdGflop = 2 * 2 * hs * pairs / 1e9;
        bwdGflop = 4 * 2 * hs * pairs / 1e9;
        Parallel.setThreads(threads);
        k = impl.equals("naive") ? new NaiveKernels() : new FastKernels();
        Random r = new Random(3);
        q = rand("q", B * T * C, r); kk = rand("k", B * T * C, r); v = rand("v", B * T * C, r); dOut = rand("dOut", B * T * C, r);
        out = rand("out", B * T * C, r); dq = rand("dq", B * T * C, r); dk = rand("dk", B * T * C, r); dv = rand("dv", B * T * C, r);
        att = rand("att", B * H * T * T, r); dAtt = rand("dAtt", B * H * T * T, r);
        k.attention(out, att, q, kk, v, B, T, C, H);
    }

    static Tensor rand(String name, int n, Random r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return Tensor.wrap(name, a, n);
    }

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Flops {
        public double gflop;
        @Setup(Level.Iteration) public void reset() { gflop = 0; }
    }

    @Benchmark public Tensor forward(Flops f) {
        k.attention(out, att, q, kk, v, B, T, C, H);
        f.gflop += fwdGflop;
        return out;
    }

    @Benchmark public Tensor backward(Flops f) {
        k.attentionBackward(dq, dk, dv, dAtt, dOut, q, kk, v, att, B, T, C, H);
        f.gflop += bwdGflop;
        return dq;
    }
}
