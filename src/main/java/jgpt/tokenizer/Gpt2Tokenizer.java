package jgpt.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * GPT-2's byte-level BPE (tiktoken's r50k_base, via jtokkit): 50,257 ids, {@code <|endoftext|>} = 50256.
 * By default the text {@code "<|endoftext|>"} is encoded as ordinary characters (like tiktoken's
 * encode_ordinary, which nanoGPT's data scripts use); {@link #withSpecial(boolean) withSpecial(true)}
 * turns every occurrence into the single id 50256.
 */
public final class Gpt2Tokenizer implements Tokenizer {
    public static final int VOCAB = 50257;
    public static final int EOT = 50256;
    public static final String EOT_TEXT = "<|endoftext|>";

    private static final class Holder { // loads the 50k merge ranks on first use only
        static final Encoding ENC = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    }

    private final boolean allowSpecial;

    public Gpt2Tokenizer() { this(false); }

    public Gpt2Tokenizer(boolean allowSpecial) { this.allowSpecial = allowSpecial; }

    /** The same tokenizer, encoding {@code <|endoftext|>} in text as id 50256 (true) or as plain text (false). */
    public Gpt2Tokenizer withSpecial(boolean allow) { return allow == allowSpecial ? this : new Gpt2Tokenizer(allow); }

    public boolean allowsSpecial() { return allowSpecial; }

    @Override public int[] encode(String text) {
        if (!allowSpecial) return Holder.ENC.encodeOrdinary(text).toArray();
        // as tiktoken does: cut at each special token, encode the pieces separately
        IntArrayList out = new IntArrayList();
        int start = 0;
        for (int at; (at = text.indexOf(EOT_TEXT, start)) >= 0; start = at + EOT_TEXT.length()) {
            append(out, Holder.ENC.encodeOrdinary(text.substring(start, at)));
            out.add(EOT);
        }
        append(out, Holder.ENC.encodeOrdinary(text.substring(start)));
        return out.toArray();
    }

    private static void append(IntArrayList to, IntArrayList from) {
        for (int i = 0; i < from.size(); i++) to.add(from.get(i));
    }

    @Override public String decode(int[] ids) { return Holder.ENC.decode(list(ids)); }

    /** The raw bytes of the tokens (a token may hold part of a UTF-8 character). */
    public byte[] decodeBytes(int[] ids) { return Holder.ENC.decodeBytes(list(ids)); }

    private static IntArrayList list(int[] ids) {
        IntArrayList l = new IntArrayList(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= VOCAB) throw new IllegalArgumentException("token id " + id + " outside GPT-2's vocabulary [0, " + VOCAB + ")");
            l.add(id);
        }
        return l;
    }

    @Override public String tokenText(int id) { return Tokenizers.displayBytes(decodeBytes(new int[] {id})); }

    @Override public int vocabSize() { return VOCAB; }
    @Override public String kind() { return "gpt2"; }
    @Override public String signature() { return "gpt2:" + VOCAB + ":r50k_base"; }

    @Override public int splitPoint(CharSequence text, int from, int to) { return gpt2SplitPoint(text, from, to, allowSpecial); }

    /**
     * Where GPT-2-style text can be cut without changing its encoding: the largest p in [from, to] such that
     * text[p−1] is a letter and text[p] starts a non-letter (and, with special tokens, p is not inside
     * {@code <|endoftext|>}). Why this is safe for the pre-tokenizer
     * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}:
     * it has no look-behind, so matching from p depends on text[p..] only; the piece holding the letter
     * text[p−1] is a letter run or a contraction, both of which end at p whether or not text continues
     * (a letter run stops at the non-letter, a contraction is fixed), and every earlier match stops at or
     * before that piece. So the pieces of text[0,p) are exactly the whole text's pieces left of p.
     * A cut after a newline is NOT safe in general: in "a  \nB" the whole text gives " " and "\n" pieces
     * (\s+(?!\S) backs off before the newline) but "a  \n" alone gives one piece "  \n".
     */
    public static int gpt2SplitPoint(CharSequence text, int from, int to, boolean special) {
        for (int p = to; p >= from; p--) {
            char prev = text.charAt(p - 1);
            if (Character.isSurrogate(prev) || !Character.isLetter(prev)) continue;
            int next = Character.codePointAt(text, p);
            if (Character.isLetter(next)) continue;
            if (special && insideSpecial(text, p)) continue;
            return p;
        }
        return -1;
    }

    /** Whether an occurrence of {@code <|endoftext|>} covers both text[p−1] and text[p]. */
    private static boolean insideSpecial(CharSequence text, int p) {
        int L = EOT_TEXT.length();
        for (int s = Math.max(0, p - L + 1); s < p && s + L <= text.length(); s++) {
            int k = 0;
            while (k < L && text.charAt(s + k) == EOT_TEXT.charAt(k)) k++;
            if (k == L) return true;
        }
        return false;
    }
}
