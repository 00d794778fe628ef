package jgpt.api;

/**
 * One continuation ranked by {@link Gpt#probe}.
 *
 * @param text        the candidate as given
 * @param tokens      how many tokens it encodes to
 * @param logProb     log P(candidate | prompt): the sum over its tokens (natural log)
 * @param meanLogProb logProb / tokens
 */
public record Candidate(String text, int tokens, double logProb, double meanLogProb) {
    /** P(candidate | prompt). */
    public double probability() { return Math.exp(logProb); }
}
