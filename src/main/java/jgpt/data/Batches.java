package jgpt.data;

import jgpt.UserError;

/**
 * Batches of (inputs, targets) for the trainer, read from a {@link TokenFile}. Two orders:
 * <ul>
 * <li>{@code sequential} (llm.c's DataLoader): batch k reads the B·T+1 tokens at {@code pos}; row b of x is
 *     {@code tokens[pos + b·T, +T)}, y is the same shifted by one; then {@code pos += B·T}. When fewer than
 *     B·T+1 tokens remain, pos starts again at 0. So row b of batch k starts at (k·B + b)·T in the first epoch.</li>
 * <li>{@code random} (nanoGPT's get_batch): B offsets drawn uniformly from [0, n−T−1] by a seeded
 *     {@link SplitMix64} generator whose single long of state is part of {@link #state()}.</li>
 * </ul>
 * {@link #next} fills the caller's arrays and allocates nothing. {@link #state()}/{@link #restore} let a
 * checkpoint resume the exact batch sequence.
 */
public final class Batches implements BatchSource {
    public enum Mode { SEQUENTIAL, RANDOM }

    private final TokenFile file;
    private final Mode mode;
    private final int B, T;
    private final long n;
    private long pos; // sequential: start of the next batch
    private final SplitMix64 rng; // random: offsets
    private final long[] starts;  // next()'s row starts

    private Batches(TokenFile file, Mode mode, int B, int T, long seed) {
        if (B <= 0 || T <= 0) throw new IllegalArgumentException("batch size and context must be positive, got B=" + B + " T=" + T);
        this.file = file;
        this.mode = mode;
        this.B = B;
        this.T = T;
        this.n = file.size();
        long need = mode == Mode.SEQUENTIAL ? (long) B * T + 1 : T + 1L;
        if (n < need)
            throw new UserError(file.path() + " has " + n + " tokens, too few for one " + mode.name().toLowerCase() + " batch of B=" + B
                    + " x T=" + T + " (needs " + need + "): use a smaller batch size or context length, or more data");
        this.rng = new SplitMix64(seed);
        this.starts = new long[B];
    }

    /** llm.c order: consecutive chunks of B·T tokens, wrapping to the start. */
    public static Batches sequential(TokenFile file, int B, int T) { return new Batches(file, Mode.SEQUENTIAL, B, T, 0); }

    /** nanoGPT order: B uniformly random windows per batch, reproducible from {@code seed}. */
    public static Batches random(TokenFile file, int B, int T, long seed) { return new Batches(file, Mode.RANDOM, B, T, seed); }

    /** Evaluation batches: sequential from token 0 (row b of batch k starts at (k·B + b)·T); see {@link #batchesPerEpoch()}. */
    public static Batches eval(TokenFile file, int B, int T) { return sequential(file, B, T); }

    /** By name, for the CLI: "sequential" or "random". */
    public static Batches create(String mode, TokenFile file, int B, int T, long seed) {
        return switch (mode.toLowerCase()) {
            case "sequential", "seq" -> sequential(file, B, T);
            case "random", "rand" -> random(file, B, T, seed);
            default -> throw new UserError("unknown batch order '" + mode + "': choose sequential or random");
        };
    }

    public Mode mode() { return mode; }
    public int batchSize() { return B; }
    public int context() { return T; }
    public TokenFile file() { return file; }

    /** Sequential batches that fit before wrapping: floor((n−1) / (B·T)). */
    public long batchesPerEpoch() { return (n - 1) / ((long) B * T); }

    /** Fills x and y (each at least B·T, row-major (B,T)) with the next batch. */
    public void next(int[] x, int[] y) {
        nextStarts(starts);
        read(starts, x, y);
    }

    /** The B row starts of the next batch (sequential: pos + b·T, wrapping; random: uniform in [0, n−T−1]). */
    public void nextStarts(long[] starts) {
        if (starts.length != B) throw new IllegalArgumentException("need B = " + B + " row starts, got " + starts.length);
        if (mode == Mode.SEQUENTIAL) {
            int bt = B * T;
            if (pos + bt + 1 > n) pos = 0;
            for (int b = 0; b < B; b++) starts[b] = pos + (long) b * T;
            pos += bt;
        } else {
            for (int b = 0; b < B; b++) starts[b] = rng.nextBelow(n - T);
        }
    }

    /** Fills x and y (each at least B·T) with the rows that begin at starts. */
    public void read(long[] starts, int[] x, int[] y) {
        int bt = B * T;
        if (x.length < bt || y.length < bt)
            throw new IllegalArgumentException("x and y need B*T = " + bt + " ints, got " + x.length + " and " + y.length);
        for (int b = 0; b < B; b++) {
            file.read(starts[b], x, b * T, T);
            file.read(starts[b] + 1, y, b * T, T);
        }
    }

    /** Back to the first batch (sequential) — for repeated evaluation passes. */
    public void reset() { pos = 0; }

    /** {mode, B, T, n, position or RNG state}: everything needed to continue the same sequence. */
    public long[] state() { return new long[] {mode.ordinal(), B, T, n, mode == Mode.SEQUENTIAL ? pos : rng.state()}; }

    /** Continues from a {@link #state()} taken on a Batches of the same mode, shape and file size. */
    public void restore(long[] s) {
        if (s == null || s.length != 5)
            throw new UserError("cannot resume the data loader of " + file.path() + ": saved state is malformed");
        if (s[0] != mode.ordinal() || s[1] != B || s[2] != T || s[3] != n)
            throw new UserError("cannot resume the data loader of " + file.path() + ": it was saved for "
                    + Mode.values()[(int) Math.max(0, Math.min(1, s[0]))].name().toLowerCase() + " batches B=" + s[1] + " T=" + s[2]
                    + " over " + s[3] + " tokens, now " + mode.name().toLowerCase() + " B=" + B + " T=" + T + " over " + n + " tokens");
        if (mode == Mode.SEQUENTIAL) pos = s[4]; else rng.setState(s[4]);
    }
}
