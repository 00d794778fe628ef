package jgpt.data;

/**
 * splitmix64 (Steele, Lea, Flood 2014): a seeded generator whose whole state is one long, so a checkpoint
 * can store it and resume the exact sequence (java.util.SplittableRandom does not expose its state).
 */
public final class SplitMix64 {
    private long state;

    public SplitMix64(long seed) { this.state = seed; }

    public long state() { return state; }
    public void setState(long s) { state = s; }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound) without modulo bias: values from the incomplete last block of 2^63 are redrawn. */
    public long nextBelow(long bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long u = nextLong() >>> 1, r;
        while (u - (r = u % bound) + (bound - 1) < 0) u = nextLong() >>> 1;
        return r;
    }

    public int nextInt(int bound) { return (int) nextBelow(bound); }
}
