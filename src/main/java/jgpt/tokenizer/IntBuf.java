package jgpt.tokenizer;

import java.util.Arrays;

/** A growable int array (no boxing). */
final class IntBuf {
    private int[] a;
    private int n;

    IntBuf(int capacity) { a = new int[Math.max(4, capacity)]; }

    void add(int v) {
        if (n == a.length) a = Arrays.copyOf(a, 2 * n);
        a[n++] = v;
    }

    void add(int[] vs) {
        if (n + vs.length > a.length) a = Arrays.copyOf(a, Math.max(2 * a.length, n + vs.length));
        System.arraycopy(vs, 0, a, n, vs.length);
        n += vs.length;
    }

    int size() { return n; }
    int get(int i) { return a[i]; }
    void clear() { n = 0; }
    int[] toArray() { return Arrays.copyOf(a, n); }
}
