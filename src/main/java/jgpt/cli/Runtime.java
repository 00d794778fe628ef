package jgpt.cli;

import jgpt.UserError;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;
import picocli.CommandLine.Option;

/** Execution flags shared by every command that runs a model: thread count and kernel choice. */
final class Runtime {
    @Option(names = "--threads", description = "Worker threads (default: -Djgpt.threads, else all cores).") Integer threads;
    @Option(names = "--kernels", description = "fast (Vector API, default) | naive (reference loops).") String kernels = "fast";

    int threads() { return threads != null ? threads : jgpt.tensor.Parallel.defaultThreads(); }

    Kernels kernels() {
        if (threads != null && threads <= 0) throw new UserError("--threads must be positive, got " + threads);
        return switch (kernels) {
            case "naive" -> new NaiveKernels();
            case "fast" -> KernelsFactory.fast(threads());
            default -> throw new UserError("unknown --kernels '" + kernels + "': use fast or naive");
        };
    }

    /** The machine's fp32 peak used for MFU. */
    double peakFlops() { return KernelsFactory.peakFlops(threads()); }
}
