package jgpt.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte-level BPE trained by {@link BpeTrainer}: ids 0..255 are the bytes, id 256+i is merge i of the
 * pair (left[i], right[i]). Text is first cut into pieces by GPT-2's pre-tokenizer pattern, each piece's
 * UTF-8 bytes are merged in the order the merges were learned. Any text round-trips exactly, because the
 * byte tokens can spell anything.
 */
public final class BpeTokenizer implements Tokenizer {
    /** GPT-2's pre-tokenizer: contractions, letter runs, digit runs, other symbols, whitespace (each may take one leading space). */
    static final Pattern PIECES = Pattern.compile(
            "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final int CACHE_LIMIT = 1 << 16;

    private final int[] left, right;  // (M) merge i: (left[i], right[i]) -> 256 + i
    private final byte[][] bytes;     // (V = 256 + M) the bytes each id stands for
    private final LongIntMap rank;    // pair key -> merge index
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>(); // piece -> ids

    /** From merges[i] = {left, right}, in the order they were learned. */
    public BpeTokenizer(int[][] merges) {
        int m = merges.length;
        left = new int[m];
        right = new int[m];
        bytes = new byte[256 + m][];
        for (int b = 0; b < 256; b++) bytes[b] = new byte[] {(byte) b};
        rank = new LongIntMap(m);
        for (int i = 0; i < m; i++) {
            int a = merges[i][0], b = merges[i][1], id = 256 + i;
            if (merges[i].length != 2 || a < 0 || b < 0 || a >= id || b >= id)
                throw new IllegalArgumentException("merge " + i + " " + Arrays.toString(merges[i]) + " must join two earlier ids (< " + id + ")");
            if (rank.get(key(a, b), -1) >= 0) throw new IllegalArgumentException("merge " + i + " repeats pair (" + a + ", " + b + ")");
            left[i] = a;
            right[i] = b;
            rank.put(key(a, b), i);
            bytes[id] = concat(bytes[a], bytes[b]);
        }
    }

    static long key(int a, int b) { return ((long) a << 32) | (b & 0xFFFFFFFFL); }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** merges()[i] = {left, right} of merge i (id 256+i). */
    public int[][] merges() {
        int[][] m = new int[left.length][];
        for (int i = 0; i < m.length; i++) m[i] = new int[] {left[i], right[i]};
        return m;
    }

    /** The bytes token {@code id} stands for. */
    public byte[] tokenBytes(int id) { return bytes[check(id)].clone(); }

    @Override public int[] encode(String text) {
        IntBuf out = new IntBuf(text.length() / 2 + 16);
        Matcher m = PIECES.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) out.add(encodePiece(text.substring(last, m.start()))); // unreachable: the pattern covers every character
            out.add(piece(m.group()));
            last = m.end();
        }
        if (last < text.length()) out.add(encodePiece(text.substring(last)));
        return out.toArray();
    }

    private int[] piece(String piece) {
        int[] ids = cache.get(piece);
        if (ids == null) {
            ids = encodePiece(piece);
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(piece, ids);
        }
        return ids;
    }

    /** Merges one piece's bytes: repeatedly apply the earliest-learned merge present, everywhere it occurs. */
    private int[] encodePiece(String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length]; // (n) current symbols
        for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xFF;
        int n = ids.length;
        while (n >= 2) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) best = Math.min(best, rank.get(key(ids[i], ids[i + 1]), Integer.MAX_VALUE));
            if (best == Integer.MAX_VALUE) break;
            int a = left[best], c = right[best], w = 0;
            for (int i = 0; i < n; ) {
                if (i + 1 < n && ids[i] == a && ids[i + 1] == c) { ids[w++] = 256 + best; i += 2; }
                else ids[w++] = ids[i++];
            }
            n = w;
        }
        return Arrays.copyOf(ids, n);
    }

    @Override public String decode(int[] ids) { return new String(decodeBytes(ids), StandardCharsets.UTF_8); }

    public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 3);
        for (int id : ids) out.writeBytes(bytes[check(id)]);
        return out.toByteArray();
    }

    @Override public String tokenText(int id) { return Tokenizers.displayBytes(bytes[check(id)]); }

    private int check(int id) {
        if (id < 0 || id >= bytes.length) throw new IllegalArgumentException("token id " + id + " outside the BPE vocabulary [0, " + bytes.length + ")");
        return id;
    }

    @Override public int vocabSize() { return bytes.length; }
    @Override public String kind() { return "bpe"; }

    @Override public String signature() {
        ByteBuffer bb = ByteBuffer.allocate(8 * left.length);
        for (int i = 0; i < left.length; i++) bb.putInt(left[i]).putInt(right[i]);
        return kind() + ":" + vocabSize() + ":" + CharTokenizer.sha256Prefix(bb.array());
    }
}
