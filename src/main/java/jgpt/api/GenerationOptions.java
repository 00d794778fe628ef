package jgpt.api;

import jgpt.InvalidSetting;

/**
 * How {@link Gpt#generate} samples: {@code GenerationOptions.defaults().maxTokens(100).temperature(0)}.
 * Settings are named as the {@code sample} command's flags.
 *
 * @param maxTokens   new tokens to generate (≥ 1)
 * @param temperature softmax temperature, 0 = greedy
 * @param topK        keep the K most likely tokens, 0 = all
 * @param topP        nucleus: keep the most likely tokens up to this mass, in (0, 1]
 * @param seed        the same seed gives the same text
 */
public record GenerationOptions(int maxTokens, double temperature, int topK, double topP, long seed) {

    public GenerationOptions {
        if (maxTokens < 1) throw new InvalidSetting("tokens", "tokens must be at least 1, got " + maxTokens);
        if (!(temperature >= 0) || Double.isInfinite(temperature))
            throw new InvalidSetting("temperature", "temperature must be ≥ 0 (0 = greedy), got " + temperature);
        if (topK < 0) throw new InvalidSetting("top-k", "top-k must be ≥ 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new InvalidSetting("top-p", "top-p must be in (0, 1] (1 = off), got " + topP);
    }

    /** 200 tokens, temperature 0.8, top-k 200, top-p 1, seed 1337 (the sample command's defaults). */
    public static GenerationOptions defaults() { return new GenerationOptions(200, 0.8, 200, 1.0, 1337); }

    public GenerationOptions maxTokens(int n) { return new GenerationOptions(n, temperature, topK, topP, seed); }
    public GenerationOptions temperature(double t) { return new GenerationOptions(maxTokens, t, topK, topP, seed); }
    public GenerationOptions topK(int k) { return new GenerationOptions(maxTokens, temperature, k, topP, seed); }
    public GenerationOptions topP(double p) { return new GenerationOptions(maxTokens, temperature, topK, p, seed); }
    public GenerationOptions seed(long s) { return new GenerationOptions(maxTokens, temperature, topK, topP, s); }
}
