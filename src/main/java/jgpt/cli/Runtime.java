package jgpt.cli;

import jgpt.UserError;
import jgpt.tensor.Kernels;
import picocli.CommandLine.Option;

/** Execution flags shared by every command that runs a model: thread count and kernel choice. */
final class Runtime {
    @Option(names = "--threads", description = "Worker threads (default: -Djgpt.threads, else all cores).") Integer threads;
    @Option(names = "--kernels", description = "auto (default: OpenBLAS matrix products where its bundled library loads, else java) | blas | java (pure Java, Vector API) | naive (reference loops).")
    String kernels;       // null: not given (-Djgpt.kernels, else auto; --resume takes the run's)

    @Option(names = "--replicas", description = "auto (default) | N: split each batch over N model replicas, one per thread, and add up their gradients "
            + "(data parallel inside the machine: two synchronisations per step instead of one per kernel, one more gradient buffer per replica). "
            + "auto: one per thread when the extra gradient buffers take at most " + AUTO_REPLICA_MB + " MB, else 1.")
    String replicas;      // null: not given (-Djgpt.replicas, else auto; --resume takes the run's)

    /** auto stops replicating above this much extra gradient memory (GPT-2 124M would need 474 MB more per replica). */
    static final long AUTO_REPLICA_MB = 256;

    private Kernels made;

    int threads() { return threads != null ? threads : jgpt.tensor.Parallel.defaultThreads(); }

    /** Threads the kernels run on: the reference kernels use one. */
    int kernelThreads() { return kernelsName().equals("naive") ? 1 : threads(); }

    /** What --kernels resolves to: blas, java or naive. */
    String kernelsName() { return jgpt.tensor.KernelSets.resolve(kernelsFlag()); }

    private String kernelsFlag() { return kernels != null ? kernels : System.getProperty("jgpt.kernels", "auto"); }

    /**
     * --resume: the run's kernels and replica count unless given now, since a run's bits depend on both
     * (not on the thread count: every kernel's result is the same on any number of threads).
     */
    void inherit(String runKernels, int runReplicas) {
        if (kernels == null && System.getProperty("jgpt.kernels") == null && runKernels != null) kernels = runKernels;
        if (replicas == null && System.getProperty("jgpt.replicas") == null && runReplicas > 0) replicas = String.valueOf(runReplicas);
    }

    Kernels kernels() {
        if (threads != null && threads <= 0) throw new UserError("--threads must be positive, got " + threads);
        if (made == null) made = jgpt.tensor.KernelSets.named(kernelsFlag(), threads());
        return made;
    }

    /** Replicas for a batch of this many sequences of a model with this many parameters (≤ batch; 1 = no split). */
    int replicas(int batch, long params) {
        int threads = kernelThreads();
        int n;
        String replicas = this.replicas != null ? this.replicas : System.getProperty("jgpt.replicas", "auto");
        if (replicas.equals("auto")) n = 4L * params * (threads - 1) <= AUTO_REPLICA_MB << 20 ? threads : 1;
        else {
            try { n = Integer.parseInt(replicas.trim()); } catch (NumberFormatException e) { n = 0; }
            if (n < 1) throw new UserError("--replicas must be auto or a positive number, got '" + replicas + "'");
        }
        return Math.max(1, Math.min(n, batch));
    }

    /** The machine's fp32 peak used for MFU, measured with the matrix product of these kernels. */
    double peakFlops() { return jgpt.tensor.KernelSets.peakFlops(kernels(), threads()); }
}
