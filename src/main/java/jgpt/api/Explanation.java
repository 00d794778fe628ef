package jgpt.api;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import jgpt.inspect.Explainer;

/**
 * One prompt through the model, forward and backward, with the loss at the last position only ({@link Gpt#explain}):
 * what it predicts next, how sure it is, the gradient at the logits, and what each attention head looks at.
 */
public final class Explanation {
    private final Explainer.Result r;
    private final String report;

    Explanation(Explainer.Result r, String report) {
        this.r = r;
        this.report = report;
    }

    /** The prompt's tokens as text, one entry per position. */
    public List<String> tokens() { return List.of(r.texts()); }

    /** The most likely next tokens with their probabilities, most likely first. */
    public List<TokenScore> nextTokens() { return r.top().stream().map(s -> new TokenScore(s.id(), s.text(), s.value())).toList(); }

    /** The target the loss is measured against: the given token, or the most likely one. */
    public String target() { return r.targetText(); }

    /** P(target | prompt). */
    public double targetProbability() { return r.pTarget(); }

    /** −log P(target | prompt). */
    public double loss() { return r.loss(); }

    /** The largest entries (by magnitude) of ∂loss/∂logits = P − onehot(target) at the last position. */
    public List<TokenScore> logitGradient() { return r.logitGrad().stream().map(s -> new TokenScore(s.id(), s.text(), s.value())).toList(); }

    /** ‖∂loss/∂W‖₂ of every parameter tensor, by name (e.g. {@code layer.0.wq}). */
    public Map<String, Double> gradientNorms() { return r.gradNorms(); }

    /** Layers of attention. */
    public int layers() { return r.attention().length; }

    /** Heads per layer. */
    public int heads() { return r.attention()[0].length; }

    /** Head {@code head} of layer {@code layer}: row i is how much position i attends to each position ≤ i. */
    public double[][] attention(int layer, int head) {
        int T = r.T();
        double[] a = r.attention()[layer][head];
        double[][] m = new double[T][];
        for (int i = 0; i < T; i++) m[i] = Arrays.copyOfRange(a, i * T, (i + 1) * T);
        return m;
    }

    /** The explain command's text report (tables of predictions, gradients and attention). */
    public String report() { return report; }

    @Override public String toString() { return report; }
}
