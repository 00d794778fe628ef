package jgpt.cli;

import jgpt.UserError;
import jgpt.tensor.Kernels;
import picocli.CommandLine.Option;

/** Execution flags shared by every command that runs a model: thread count and kernel choice. */
final class Runtime {
    @Option(names = "--threads", description = "Worker threads (default: -Djgpt.threads, else all cores).") Integer threads;
    @Option(names = "--kernels", description = "auto (default: OpenBLAS matrix products where its bundled library loads, else java) | blas | java (pure Java, Vector API) | naive (reference loops).")
    String kernels = System.getProperty("jgpt.kernels", "auto");

    private Kernels made;

    int threads() { return threads != null ? threads : jgpt.tensor.Parallel.defaultThreads(); }

    /** What --kernels resolves to: blas, java or naive. */
    String kernelsName() { return KernelsFactory.resolve(kernels); }

    Kernels kernels() {
        if (threads != null && threads <= 0) throw new UserError("--threads must be positive, got " + threads);
        if (made == null) made = KernelsFactory.create(kernels, threads());
        return made;
    }

    /** The machine's fp32 peak used for MFU, measured with the matrix product of these kernels. */
    double peakFlops() { return KernelsFactory.peakFlops(kernels(), threads()); }
}
