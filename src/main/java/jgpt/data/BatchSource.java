package jgpt.data;

/** Where training batches come from; its state is saved in checkpoints so a resumed run sees the same batches. */
public interface BatchSource {
    /** Fills x (B·T inputs) and y (B·T targets, the next tokens). */
    void next(int[] x, int[] y);
    long[] state();
    void restore(long[] state);
}
