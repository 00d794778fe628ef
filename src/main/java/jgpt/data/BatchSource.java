package jgpt.data;

/**
 * Where training batches come from; its state is saved in checkpoints so a resumed run sees the same batches.
 * A batch is B row starts into a token file: row b is x = tokens[s, s+T), y = tokens[s+1, s+T+1). Choosing
 * the starts ({@link #nextStarts}) is apart from reading them ({@link #read}) so a cluster's workers can read
 * their own rows.
 */
public interface BatchSource {
    /** Fills x (B·T inputs) and y (B·T targets, the next tokens): {@link #nextStarts} then {@link #read}. */
    void next(int[] x, int[] y);
    /** The B row starts of the next batch, without reading tokens; advances like {@link #next}. */
    void nextStarts(long[] starts);
    /** Fills x and y (B·T each) with the rows that begin at starts (B of them). */
    void read(long[] starts, int[] x, int[] y);
    long[] state();
    void restore(long[] state);
}
