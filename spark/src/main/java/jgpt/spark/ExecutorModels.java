package jgpt.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.BlasKernels;
import jgpt.tensor.DType;
import jgpt.tensor.FastKernels;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;

/**
 * The models an executor JVM keeps between tasks, per (config, kernels): a task borrows one, overwrites
 * its parameters with the step's, and gives it back. One per task running at the same time, so
 * activations and gradients are allocated once per executor core, not per step.
 */
final class ExecutorModels {
    private ExecutorModels() {}

    private static final Map<String, ConcurrentLinkedQueue<GPT>> FREE = new ConcurrentHashMap<>();

    static GPT borrow(Config cfg, String kernels) {
        GPT m = FREE.computeIfAbsent(key(cfg, kernels), k -> new ConcurrentLinkedQueue<>()).poll();
        return m != null ? m : new GPT(cfg, DType.F32, kernels(kernels));
    }

    static void release(Config cfg, String kernels, GPT m) { FREE.get(key(cfg, kernels)).add(m); }

    private static String key(Config cfg, String kernels) { return cfg + "/" + kernels; }

    /** The driver's resolved kernel choice (blas, java, naive), on the executor's own worker pool. */
    private static Kernels kernels(String name) {
        return switch (name) {
            case "naive" -> new NaiveKernels();
            case "blas" -> new BlasKernels();
            default -> new FastKernels();
        };
    }
}
