package jgpt.tokenizer;

import jgpt.UserError;
import jgpt.data.TextChunks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.regex.Matcher;

/**
 * Trains a byte-level {@link BpeTokenizer}: count the text's pre-tokenizer pieces ("words"), then repeatedly
 * merge the most frequent adjacent pair of symbols (ties: the smaller pair), 256 + merges = vocabulary.
 * Pair counts are kept incrementally: a merge only revisits the words that contain the merged pair
 * (each pair keeps the list of words it occurs in), so one merge costs about the size of those words,
 * not a recount of the corpus. The most frequent pair comes from a max-heap whose entries may be stale;
 * a popped entry whose count is out of date is pushed back with the current count.
 */
public final class BpeTrainer {
    public static final int MIN_VOCAB = 256, MAX_VOCAB = 65536;

    private final HashMap<String, long[]> words = new HashMap<>(); // piece -> {count}

    /** Counts the pieces of {@code text}. Feed a large text in chunks cut at {@link Tokenizer#splitPoint}s. */
    public void add(CharSequence text) {
        Matcher m = BpeTokenizer.PIECES.matcher(text);
        while (m.find()) words.computeIfAbsent(m.group(), k -> new long[1])[0]++;
    }

    /** Trains on a UTF-8 file, streamed in chunks (its distinct pieces must fit in memory, the text need not). */
    public static BpeTokenizer trainFile(Path input, int vocabSize) {
        checkVocab(vocabSize);
        BpeTrainer t = new BpeTrainer();
        long chars = TextChunks.forEach(input, new Gpt2Tokenizer()::splitPoint, t::add);
        if (chars == 0) throw new UserError(input + " is empty: nothing to train a tokenizer on");
        return t.train(vocabSize);
    }

    static void checkVocab(int vocabSize) {
        if (vocabSize < MIN_VOCAB || vocabSize > MAX_VOCAB)
            throw new jgpt.InvalidSetting("vocab-size", "vocab-size must be between " + MIN_VOCAB + " (the 256 byte tokens) and " + MAX_VOCAB
                    + " (uint16 token files), got " + vocabSize);
    }

    /** One symbol pair: its total count over all words and the words it occurs in (may list stale words). */
    private static final class Pair {
        final long key;
        long count;
        int[] wordIds = new int[4];
        int nWords, lastWord = -1;

        Pair(long key) { this.key = key; }

        void addWord(int w) {
            if (lastWord == w) return;
            if (nWords == wordIds.length) wordIds = java.util.Arrays.copyOf(wordIds, 2 * nWords);
            wordIds[nWords++] = w;
            lastWord = w;
        }
    }

    private record Entry(long count, long key) {}

    /** Learns merges until the vocabulary has {@code vocabSize} ids or no pair is left. */
    public BpeTokenizer train(int vocabSize) {
        checkVocab(vocabSize);
        // words in a fixed order so training is deterministic
        List<Map.Entry<String, long[]>> list = new ArrayList<>(words.entrySet());
        list.sort(Map.Entry.comparingByKey());
        int W = list.size();
        int[][] sym = new int[W][];  // (W) current symbols of each word
        long[] cnt = new long[W];    // (W) occurrences of each word
        for (int w = 0; w < W; w++) {
            byte[] b = list.get(w).getKey().getBytes(StandardCharsets.UTF_8);
            sym[w] = new int[b.length];
            for (int i = 0; i < b.length; i++) sym[w][i] = b[i] & 0xFF;
            cnt[w] = list.get(w).getValue()[0];
        }

        HashMap<Long, Pair> pairs = new HashMap<>();
        PriorityQueue<Entry> heap = new PriorityQueue<>((x, y) -> x.count != y.count ? Long.compare(y.count, x.count) : Long.compare(x.key, y.key));
        for (int w = 0; w < W; w++) {
            int[] s = sym[w];
            for (int i = 0; i + 1 < s.length; i++) {
                Pair p = pairs.computeIfAbsent(BpeTokenizer.key(s[i], s[i + 1]), Pair::new);
                p.count += cnt[w];
                p.addWord(w);
            }
        }
        for (Pair p : pairs.values()) heap.add(new Entry(p.count, p.key));

        int maxMerges = vocabSize - 256;
        List<int[]> merges = new ArrayList<>();
        int[] visited = new int[W];
        HashMap<Long, long[]> delta = new HashMap<>();
        while (merges.size() < maxMerges) {
            Pair best = null;
            while (!heap.isEmpty()) {
                Entry e = heap.poll();
                Pair p = pairs.get(e.key);
                if (p == null || p.count <= 0) continue;
                if (p.count != e.count) { heap.add(new Entry(p.count, p.key)); continue; } // stale: re-queue at its true count
                best = p;
                break;
            }
            if (best == null) break; // every word is a single symbol
            int a = (int) (best.key >>> 32), b = (int) best.key, id = 256 + merges.size();
            merges.add(new int[] {a, b});
            pairs.remove(best.key);
            delta.clear();
            int stamp = merges.size();
            for (int k = 0; k < best.nWords; k++) {
                int w = best.wordIds[k];
                if (visited[w] == stamp) continue;
                visited[w] = stamp;
                int[] s = sym[w];
                int[] t = new int[s.length];
                int n = 0;
                boolean hit = false;
                for (int i = 0; i < s.length; ) {
                    if (i + 1 < s.length && s[i] == a && s[i + 1] == b) { t[n++] = id; i += 2; hit = true; }
                    else t[n++] = s[i++];
                }
                if (!hit) continue; // stale listing: the pair was merged away in this word earlier
                for (int i = 0; i + 1 < s.length; i++) delta.computeIfAbsent(BpeTokenizer.key(s[i], s[i + 1]), x -> new long[1])[0] -= cnt[w];
                for (int i = 0; i + 1 < n; i++) {
                    long pk = BpeTokenizer.key(t[i], t[i + 1]);
                    delta.computeIfAbsent(pk, x -> new long[1])[0] += cnt[w];
                    if (t[i] == id || t[i + 1] == id) pairs.computeIfAbsent(pk, Pair::new).addWord(w); // only pairs with the new id are new to w
                }
                sym[w] = java.util.Arrays.copyOf(t, n);
            }
            for (Map.Entry<Long, long[]> d : delta.entrySet()) {
                long dk = d.getKey(), dv = d.getValue()[0];
                if (dv == 0 || dk == best.key) continue;
                Pair p = pairs.computeIfAbsent(dk, Pair::new);
                p.count += dv;
                if (dv > 0) heap.add(new Entry(p.count, p.key)); // decreases are fixed lazily when popped
            }
        }
        return new BpeTokenizer(merges.toArray(new int[0][]));
    }
}
