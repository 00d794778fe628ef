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
     * Where GPT-2-style text can be cut without changing its encoding: the largest p in [from, to] where
     * (a) text[p−1] is a letter and text[p] starts a non-letter, or (b) text[p−1] is a single newline between
     * two non-space characters; with special tokens, p must also not be inside {@code <|endoftext|>}.
     * Why this is safe for the pre-tokenizer
     * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}:
     * it has no look-behind, so matching from p depends on text[p..] only. Every match that starts before p
     * looks at most one character past its end. In (a) the piece holding text[p−1] is a letter run or a
     * contraction, which ends at p whether or not text continues; in (b) it is the lone "\n" (no piece
     * starting earlier can reach past the non-space text[p−2], and "\n" cannot join the next piece since the
     * optional prefix is a literal space), which \s+(?!\S) matches at the end of the prefix and \s+ matches
     * in the whole text. So the pieces of text[0,p) are exactly the whole text's pieces left of p.
     * A cut after any newline is NOT safe: "speak.\n\nAll" gives the pieces "\n", "\n" (\s+(?!\S) backs off
     * before a letter) but "speak.\n\n" alone ends in the piece "\n\n", a different token.
     */
    public static int gpt2SplitPoint(CharSequence text, int from, int to, boolean special) {
        for (int p = to; p >= from; p--) {
            char prev = text.charAt(p - 1);
            int next = Character.codePointAt(text, p);
            boolean safe = Character.isLetter(prev) && !Character.isSurrogate(prev) && !Character.isLetter(next)
                    || prev == '\n' && p >= 2 && surelyNotSpace(text.charAt(p - 2)) && surelyNotSpace(next);
            if (safe && !(special && insideSpecial(text, p))) return p;
        }
        return -1;
    }

    /** Not whitespace under any definition (Java, Unicode White_Space): letters, digits, printable ASCII. */
    private static boolean surelyNotSpace(int c) {
        return (c > ' ' && c < 0x7F) || Character.isLetterOrDigit(c); // a lone surrogate is neither
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
