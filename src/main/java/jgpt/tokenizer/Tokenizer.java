package jgpt.tokenizer;

/** TEMPORARY STUB on branch gen (the tokenizer helper's interface replaces it): text to token ids and back. */
public interface Tokenizer {
    int[] encode(String text);
    String decode(int[] ids);
    String tokenText(int id);
    int vocabSize();
    String kind();
}
