package jgpt.cli;

import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;

/** Chooses the kernel implementation; the fast one lands with the Vector API work. */
final class KernelsFactory {
    private KernelsFactory() {}

    static Kernels fast(int threads) { return new NaiveKernels(); }

    static double peakFlops(int threads) { return 100e9; }
}
