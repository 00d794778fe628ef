package jgpt.model;

import java.util.SplittableRandom;
import jgpt.tensor.Tensor;

/**
 * Picks the next token from a row of logits. Order (as Hugging Face's generate): divide by the temperature, keep the
 * top-k logits (ties with the k-th are kept, as nanoGPT's {@code logits < v[-1]} mask does), softmax, keep the nucleus
 * (the most probable tokens whose probabilities first sum to ≥ top-p), renormalise, draw with a seeded RNG.
 * Temperature 0 is greedy argmax (lowest id on ties) and draws nothing. The same seed gives the same tokens.
 * All scratch is allocated here; {@link #sample} allocates nothing.
 */
public final class Sampler {
    public final int vocab;              // candidates are ids [0, vocab): a padded model vocabulary is never sampled past the tokenizer's
    public final double temperature, topP;
    public final int topK;               // 0 = off
    private final SplittableRandom rng;
    private final double[] p;            // (vocab) scaled logits, then unnormalised probabilities
    private final int[] kept;            // (vocab) ids that survive top-k
    private final int[] heap;            // (vocab) max-heap of kept ids for the nucleus
    private final double[] minHeap;      // (topK) the k largest logits seen
    private double total;                // unnormalised mass of kept[0, m) after filter

    public Sampler(int vocab, double temperature, int topK, double topP, long seed) {
        if (vocab < 1) throw new IllegalArgumentException("vocab must be ≥ 1");
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be a finite number ≥ 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be ≥ 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        this.vocab = vocab;
        this.temperature = temperature;
        this.topK = topK >= vocab ? 0 : topK;
        this.topP = topP;
        this.rng = new SplittableRandom(seed);
        this.p = new double[vocab];
        this.kept = new int[vocab];
        this.heap = new int[vocab];
        this.minHeap = new double[Math.max(this.topK, 1)];
    }

    /** The next token for logits (≥ vocab entries; only the first vocab are candidates). */
    public int sample(Tensor logits) {
        if (logits.size < vocab) throw new IllegalArgumentException("logits have " + logits.size + " entries, the sampler needs " + vocab);
        if (temperature == 0) return argmax(logits, vocab);
        int m = filter(logits);
        if (m == 0) return argmax(logits, vocab);          // every logit −∞ or NaN: nothing to draw from
        double u = rng.nextDouble() * total, cum = 0;
        for (int j = 0; j < m; j++) {
            cum += p[kept[j]];
            if (u < cum) return kept[j];
        }
        return kept[m - 1];                                 // rounding left u at the very top
    }

    /**
     * The distribution {@link #sample} draws from, normalised: (vocab) probabilities after temperature, top-k and
     * top-p, zero for the tokens they remove (one-hot on the argmax at temperature 0). Allocates its result.
     */
    public double[] distribution(Tensor logits) {
        if (logits.size < vocab) throw new IllegalArgumentException("logits have " + logits.size + " entries, the sampler needs " + vocab);
        double[] out = new double[vocab];
        int m = temperature == 0 ? 0 : filter(logits);
        if (m == 0) { out[argmax(logits, vocab)] = 1; return out; }
        for (int j = 0; j < m; j++) out[kept[j]] = p[kept[j]] / total;
        return out;
    }

    /** Temperature, top-k, softmax and nucleus: leaves the surviving ids in kept[0, m), their weights in p, their sum in total; returns m. */
    private int filter(Tensor logits) {
        int V = vocab;
        double invT = 1.0 / temperature;
        for (int i = 0; i < V; i++) p[i] = logits.get(i) * invT;

        // top-k: threshold = k-th largest value
        double threshold = Double.NEGATIVE_INFINITY;
        if (topK > 0) threshold = kthLargest(topK);
        int m = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++)
            if (p[i] >= threshold && p[i] > Double.NEGATIVE_INFINITY) { kept[m++] = i; max = Math.max(max, p[i]); }
        if (m == 0) return 0;

        // softmax over the kept ids (unnormalised; the total is carried along)
        double total = 0;
        for (int j = 0; j < m; j++) { int i = kept[j]; p[i] = Math.exp(p[i] - max); total += p[i]; }

        if (topP < 1) {
            // pop the most probable ids from a max-heap until their mass reaches topP; draw among them in that order
            System.arraycopy(kept, 0, heap, 0, m);
            for (int j = m / 2 - 1; j >= 0; j--) siftDown(j, m);
            int size = m, taken = 0;
            double mass = 0, need = topP * total;
            while (size > 0 && mass < need) {
                int top = heap[0];
                heap[0] = heap[--size];
                siftDown(0, size);
                kept[taken++] = top;
                mass += p[top];
            }
            m = taken;
            total = mass;
        }
        this.total = total;
        return m;
    }

    /** Greedy choice: the first id with the largest logit. */
    public static int argmax(Tensor logits, int V) {
        int best = 0;
        double bv = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++) {
            double v = logits.get(i);
            if (v > bv) { bv = v; best = i; }
        }
        return best;
    }

    /** The k-th largest of p[0, vocab) with a size-k min-heap: O(V log k), robust to ties. */
    private double kthLargest(int k) {
        double[] hp = minHeap;
        int size = 0;
        for (int i = 0; i < vocab; i++) {
            double v = p[i];
            if (Double.isNaN(v)) continue;
            if (size < k) {
                int j = size++;                              // sift up
                while (j > 0) { int par = (j - 1) >> 1; if (hp[par] <= v) break; hp[j] = hp[par]; j = par; }
                hp[j] = v;
            } else if (v > hp[0]) {
                int j = 0;                                   // replace the root, sift down
                while (true) {
                    int c = 2 * j + 1;
                    if (c >= k) break;
                    if (c + 1 < k && hp[c + 1] < hp[c]) c++;
                    if (hp[c] >= v) break;
                    hp[j] = hp[c]; j = c;
                }
                hp[j] = v;
            }
        }
        return size < k ? Double.NEGATIVE_INFINITY : hp[0];
    }

    /** Max-heap on probability, lower id first on ties, so the nucleus is the same whatever the heap's history. */
    private boolean above(int a, int b) { return p[a] > p[b] || (p[a] == p[b] && a < b); }

    private void siftDown(int j, int size) {
        int x = heap[j];
        while (true) {
            int c = 2 * j + 1;
            if (c >= size) break;
            if (c + 1 < size && above(heap[c + 1], heap[c])) c++;
            if (!above(heap[c], x)) break;
            heap[j] = heap[c]; j = c;
        }
        heap[j] = x;
    }
}
