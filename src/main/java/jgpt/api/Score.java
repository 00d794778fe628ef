package jgpt.api;

/**
 * How likely a model finds a text ({@link Gpt#score}): every token after the first predicted from those before it.
 *
 * @param tokens   tokens in the text
 * @param logProb  log P(text | its first token), summed over the predicted tokens (natural log)
 * @param meanLoss the mean cross-entropy per predicted token, −logProb / (tokens − 1)
 */
public record Score(int tokens, double logProb, double meanLoss) {
    /** exp(meanLoss). */
    public double perplexity() { return Math.exp(meanLoss); }
}
