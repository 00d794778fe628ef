package jgpt.tokenizer;

import jgpt.UserError;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;

/**
 * One token per Unicode code point: the vocabulary is the sorted distinct code points of the training text
 * (nanoGPT's {@code sorted(set(text))}; Tiny Shakespeare gives 65). Id i is the i-th smallest code point.
 */
public final class CharTokenizer implements Tokenizer {
    private final int[] chars; // (V) sorted code points; id = index

    public CharTokenizer(int[] codePoints) {
        int[] c = codePoints.clone();
        Arrays.sort(c);
        for (int i = 1; i < c.length; i++)
            if (c[i] == c[i - 1]) throw new IllegalArgumentException("duplicate character U+" + Integer.toHexString(c[i]) + " in char vocabulary");
        for (int cp : c)
            if (!Character.isValidCodePoint(cp) || (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE))
                throw new IllegalArgumentException("not a Unicode scalar value: " + cp);
        if (c.length == 0) throw new IllegalArgumentException("empty char vocabulary");
        this.chars = c;
    }

    /** The vocabulary of {@code text}: its distinct code points. */
    public static CharTokenizer fromText(CharSequence text) {
        BitSet seen = new BitSet();
        text.codePoints().forEach(seen::set);
        return fromCodePoints(seen);
    }

    /** From a set of code points (e.g. collected while streaming a large file). */
    public static CharTokenizer fromCodePoints(BitSet seen) {
        if (seen.isEmpty()) throw new UserError("cannot build a char tokenizer from empty text");
        return new CharTokenizer(seen.stream().toArray());
    }

    /** The vocabulary, sorted: id i is chars()[i]. */
    public int[] chars() { return chars.clone(); }

    /** Id of code point {@code cp}, or -1 when it is not in the vocabulary. */
    public int id(int cp) {
        int i = Arrays.binarySearch(chars, cp);
        return i >= 0 ? i : -1;
    }

    @Override public int[] encode(String text) {
        int[] out = new int[text.codePointCount(0, text.length())];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int id = id(cp);
            if (id < 0) throw unknown(cp);
            out[n++] = id;
            i += Character.charCount(cp);
        }
        return out;
    }

    UserError unknown(int cp) {
        String shown = Character.isISOControl(cp) || Character.isWhitespace(cp) ? "" : "'" + Character.toString(cp) + "' ";
        return new UserError("character " + shown + String.format("(U+%04X)", cp) + " is not in this char tokenizer's vocabulary of "
                + chars.length + " characters: use only characters of the training text");
    }

    @Override public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int id : ids) sb.appendCodePoint(chars[check(id)]);
        return sb.toString();
    }

    @Override public String tokenText(int id) { return Character.toString(chars[check(id)]); }

    private int check(int id) {
        if (id < 0 || id >= chars.length) throw new IllegalArgumentException("token id " + id + " outside the char vocabulary [0, " + chars.length + ")");
        return id;
    }

    @Override public int vocabSize() { return chars.length; }
    @Override public String kind() { return "char"; }

    @Override public String signature() {
        StringBuilder sb = new StringBuilder();
        for (int c : chars) sb.appendCodePoint(c);
        return kind() + ":" + chars.length + ":" + sha256Prefix(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Any boundary that does not split a surrogate pair keeps the encoding unchanged. */
    @Override public int splitPoint(CharSequence text, int from, int to) {
        for (int p = to; p >= from; p--)
            if (!Character.isLowSurrogate(text.charAt(p))) return p;
        return -1;
    }

    static String sha256Prefix(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
