package jgpt.api;

/**
 * A token with a number attached: a probability ({@link Gpt#nextTokens}) or an entry of the loss gradient at the
 * logits ({@link Explanation#logitGradient}).
 *
 * @param id    the token id
 * @param text  the token's text, as the tokenizer decodes it alone
 * @param value the probability or gradient entry
 */
public record TokenScore(int id, String text, double value) {}
