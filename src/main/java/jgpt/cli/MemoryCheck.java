package jgpt.cli;

import jgpt.UserError;
import jgpt.model.Config;
import jgpt.model.ParamLayout;

/**
 * Before allocating a model for training: parameters, gradients (one buffer per replica), optimizer moments
 * and activations (GPT's buffers for one micro-batch shard, see jgpt.model.Activations) against the heap's
 * limit, so a run that cannot fit says so in one line instead of dying in an OutOfMemoryError.
 */
final class MemoryCheck {
    private MemoryCheck() {}

    /** Room for what the estimate leaves out: the JVM's own classes, data indices, the checkpoint writer's buffer. */
    static final long SLACK = 48L << 20;

    /** Bytes a training run of this model and batch needs, float32. */
    static long trainingBytes(Config c, int batch, int block, int replicas, String optimizer, boolean dropout) {
        long P = new ParamLayout(c).total;
        long moments = switch (optimizer) { case "adam", "adamw" -> 2; case "sgd" -> 1; case "muon" -> 3; default -> 2; };
        long B = (batch + replicas - 1) / replicas, T = block, N = B * T, C = c.embd(), F = c.ffn(), H = c.heads(), V = c.vocab(), L = c.layers();
        long masks = dropout ? 1 : 0;
        long qk = c.qkNorm() ? 2 * N * C + 2 * N * H : 0;          // q, k before QK-norm and their statistics
        long perLayer = 10 * N * C + 2 * N * F + B * H * T * T + 4 * N + masks * 2 * N * C + qk;
        long acts = L * perLayer + 12 * N * C + masks * N * C + 2 * N * V + 3 * N + 2 * N * F + B * H * T * T;
        return 4 * (P * (1 + moments) + P * replicas + acts * replicas);
    }

    /** Throws a one-line error naming the memory needed and how to raise the limit when it exceeds the heap. */
    static void checkTraining(Config c, int batch, int block, int replicas, String optimizer, boolean dropout) {
        long need = trainingBytes(c, batch, block, replicas, optimizer, dropout) + SLACK;
        long max = java.lang.Runtime.getRuntime().maxMemory();
        if (max == Long.MAX_VALUE || need <= max) return;
        throw new UserError(String.format("training this model needs about %s of memory (parameters, gradients, optimizer moments and "
                + "activations for batch %d × block %d%s) but the Java heap is limited to %s: raise it with JGPT_JAVA_OPTS=-Xmx%s, "
                + "or lower --batch/--block (or use --grad-accum)", mb(need), batch, block, replicas > 1 ? " over " + replicas + " replicas" : "",
                mb(max), xmx(need)));
    }

    /** The one line for an OutOfMemoryError that no check foresaw. */
    static String outOfMemory() {
        return "out of memory (the Java heap is limited to " + mb(java.lang.Runtime.getRuntime().maxMemory())
                + "): raise it with JGPT_JAVA_OPTS=-Xmx<size>, e.g. -Xmx8g, or use a smaller model or batch";
    }

    private static String mb(long bytes) { return String.format("%,d MB", (bytes + (1 << 20) - 1) >> 20); }

    /** An -Xmx value with a quarter of headroom, in whole GB above 1 GB. */
    private static String xmx(long need) {
        long m = (need + need / 4 + (1 << 20) - 1) >> 20;
        return m > 1024 ? ((m + 1023) / 1024) + "g" : m + "m";
    }
}
