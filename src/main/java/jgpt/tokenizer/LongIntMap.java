package jgpt.tokenizer;

import java.util.Arrays;

/** Open-addressing map from long keys to int values (no boxing): BPE pair -> merge rank. Key Long.MIN_VALUE is reserved. */
final class LongIntMap {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys;
    private int[] vals;
    private int size, mask;

    LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        vals = new int[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    private static int hash(long k) {
        k *= 0x9E3779B97F4A7C15L;
        return (int) (k ^ (k >>> 32));
    }

    /** Value of {@code k}, or {@code missing}. */
    int get(long k, int missing) {
        for (int i = hash(k) & mask; ; i = (i + 1) & mask) {
            long s = keys[i];
            if (s == k) return vals[i];
            if (s == EMPTY) return missing;
        }
    }

    void put(long k, int v) {
        if (k == EMPTY) throw new IllegalArgumentException("reserved key");
        if (2 * (size + 1) > keys.length) grow();
        for (int i = hash(k) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == k) { vals[i] = v; return; }
            if (keys[i] == EMPTY) { keys[i] = k; vals[i] = v; size++; return; }
        }
    }

    int size() { return size; }

    private void grow() {
        long[] ok = keys;
        int[] ov = vals;
        keys = new long[ok.length * 2];
        vals = new int[ok.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < ok.length; i++) if (ok[i] != EMPTY) put(ok[i], ov[i]);
    }
}
