package jgpt.tokenizer;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Prints decoded text as tokens arrive, without ever printing half a character. A byte-level BPE token can end in
 * the middle of a multi-byte UTF-8 character, which decodes to U+FFFD until the next token completes it; so the
 * pending tokens are decoded together and only the text before a trailing run of U+FFFD (or a lone high surrogate)
 * is printed. Once everything decoded has been printed the pending tokens are dropped, which keeps each decode to
 * a few tokens. {@link #finish} prints whatever is left (a genuinely invalid sequence stays U+FFFD).
 */
public final class TextStreamer {
    private final Tokenizer tok;
    private final Consumer<String> out;
    private int[] pending = new int[16];   // tokens whose text is not fully printed yet
    private int n;
    private int printed;                   // chars of decode(pending) already printed
    private final StringBuilder text = new StringBuilder();

    /** Hands each printable piece of text to {@code out} as soon as it is complete. */
    public TextStreamer(Tokenizer tok, Consumer<String> out) {
        this.tok = tok;
        this.out = out;
    }

    /** Prints (and flushes) each piece to {@code out}. */
    public TextStreamer(Tokenizer tok, PrintStream out) {
        this(tok, piece -> { out.print(piece); out.flush(); });
    }

    public void accept(int id) {
        if (n == pending.length) pending = Arrays.copyOf(pending, 2 * n);
        pending[n++] = id;
        emit(false);
    }

    /** Prints the rest, even an incomplete character. */
    public void finish() { emit(true); }

    /** Everything printed so far. */
    public String text() { return text.toString(); }

    private void emit(boolean all) {
        if (n == 0) return;
        String s = tok.decode(Arrays.copyOf(pending, n));
        int end = s.length();
        if (!all) {
            while (end > printed && s.charAt(end - 1) == '\uFFFD') end--;
            if (end > printed && Character.isHighSurrogate(s.charAt(end - 1))) end--;
        }
        if (end > printed) {
            String piece = s.substring(printed, end);
            out.accept(piece);
            text.append(piece);
            printed = end;
        }
        if (printed >= s.length()) { n = 0; printed = 0; }   // all caught up: the next token starts a fresh decode
    }
}
