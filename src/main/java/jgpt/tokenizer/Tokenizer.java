package jgpt.tokenizer;

/**
 * Text to token ids and back. Implementations: {@link CharTokenizer} (one id per Unicode code point of the
 * corpus, nanoGPT's shakespeare_char), {@link Gpt2Tokenizer} (GPT-2's byte-level BPE, r50k_base) and
 * {@link BpeTokenizer} (a byte-level BPE trained here). Save and load them with {@link Tokenizers}.
 */
public interface Tokenizer {
    int[] encode(String text);

    String decode(int[] ids);

    /** Display form of one token: its text, with bytes that are not valid UTF-8 on their own shown as \xNN. */
    String tokenText(int id);

    /** Number of ids: every id is in [0, vocabSize()). */
    int vocabSize();

    /** "char", "gpt2" or "bpe": the {@code kind} field of tokenizer.json. */
    String kind();

    /**
     * Identity of the vocabulary: kind, size and a hash of its contents. Two tokenizers with equal signatures
     * map text to the same ids, so a model trained with one can be used with the other.
     */
    default String signature() { return kind() + ":" + vocabSize(); }

    /**
     * The largest p in [from, to] (0 &lt; from &le; to &lt; text.length()) where the text may be cut without
     * changing the encoding, i.e. encode(text[0,p)) ++ encode(text[p,)) == encode(text); -1 if there is none.
     * Lets a large file be encoded in chunks. The default is the rule for GPT-2's pre-tokenizer
     * ({@link Gpt2Tokenizer#gpt2SplitPoint}).
     */
    default int splitPoint(CharSequence text, int from, int to) { return Gpt2Tokenizer.gpt2SplitPoint(text, from, to, false); }
}
