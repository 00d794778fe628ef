package jgpt.inspect;

import jgpt.UserError;
import jgpt.model.GPT;
import jgpt.model.ParamLayout.Spec;
import jgpt.tensor.DType;
import jgpt.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seed 003 with a real model's own numbers: one prompt, one forward (B=1), the next-token distribution at
 * the last position, the loss −log P(target), the gradient at the logits (P − onehot), the gradient norm
 * of every parameter matrix for this single example, every head's attention from the last position, and
 * "nudges": move one weight by ±ε and compare the measured loss change with the gradient's prediction g·ε.
 */
public final class Explainer {

    /** How text becomes token ids and back. A jgpt.tokenizer.Tokenizer fits as {@code Vocab.of(tok::encode, id -> tok.decode(new int[]{id}))}. */
    public interface Vocab {
        int[] encode(String text);
        /** The raw text of one token (spaces and newlines as they are; {@link Heatmap#visible} makes them readable). */
        String decode(int id);

        static Vocab of(java.util.function.Function<String, int[]> encode, java.util.function.IntFunction<String> decode) {
            return new Vocab() {
                @Override public int[] encode(String text) { return encode.apply(text); }
                @Override public String decode(int id) { return decode.apply(id); }
            };
        }
    }

    /** A token with a number attached: a probability, or a gradient entry. */
    public record Scored(int id, String text, double value) {}

    /**
     * Everything {@link #explain} found. {@code attention[l][h]} is that head's (T,T) matrix, row-major;
     * {@code gradNorms} maps every parameter tensor name to ‖∂loss/∂W‖₂; {@code engineDiff} is the largest
     * |P − onehot − engine's dLogits| at the last position (a self-check: both must agree).
     */
    public record Result(int[] tokens, String[] texts, List<Scored> top, int target, String targetText, double pTarget,
                         double loss, List<Scored> logitGrad, double engineDiff, Map<String, Double> gradNorms,
                         double gradNorm, double[][][] attention) {
        public int T() { return tokens.length; }
    }

    /**
     * One nudge of weight {@code name[index]}: gradient g, the step actually applied (ε rounded to the model's
     * precision), the first-order prediction g·step, and the measured loss changes for +step and −step.
     */
    public record Nudge(String name, int[] index, double weight, double g, double epsilon, double stepPlus, double stepMinus,
                        double predicted, double measuredPlus, double measuredMinus, double resolution) {
        public String label() { return name + Arrays.toString(index).replace(" ", ""); }
        /** (L(w+ε) − L(w−ε)) / 2ε: the gradient measured by central differences (error O(ε²)). */
        public double centralGrad() { return (measuredPlus - measuredMinus) / (stepPlus - stepMinus); }
        /** (L(w+ε) + L(w−ε))/2 − L(w) ≈ ½·∂²L/∂w²·ε²: the second-order part the gradient cannot predict. */
        public double secondOrder() { return (measuredPlus + measuredMinus) / 2; }
        /** |measured − predicted| / |predicted| for the +ε step. */
        public double relError() { return Math.abs(measuredPlus - predicted) / Math.max(Math.abs(predicted), Double.MIN_NORMAL); }
    }

    private final GPT model;
    private final Vocab vocab;
    private int[] lastTokens, lastTargets;    // the explained forward, for nudges
    private double lastLoss;

    public Explainer(GPT model, Vocab vocab) {
        this.model = model;
        this.vocab = vocab;
    }

    /** The prompt's tokens, checked against the model (non-empty, within the context, inside the vocabulary). */
    public int[] encodePrompt(String prompt) {
        int[] t = vocab.encode(prompt);
        if (t.length == 0) throw new jgpt.InvalidSetting("prompt", "prompt is empty after tokenization: give some text");
        if (t.length > model.cfg.block())
            throw new UserError("the prompt is " + t.length + " tokens, longer than the model's context of " + model.cfg.block() + ": shorten it");
        for (int id : t) if (id < 0 || id >= model.cfg.vocab())
            throw new UserError("token id " + id + " is outside the model's vocabulary of " + model.cfg.vocab() + ": tokenizer and model do not match");
        return t;
    }

    /** The {@code k} most likely next tokens after the prompt, with their probabilities (one forward). */
    public List<Scored> nextTokens(String prompt, int k) {
        int[] tokens = encodePrompt(prompt);
        int T = tokens.length, V = model.cfg.vocab();
        model.forward(tokens, null, 1, T);
        double[] p = softmaxRow(model.logits(), (T - 1) * V, V);
        List<Scored> out = new ArrayList<>();
        for (int id : topIndices(p, k)) out.add(new Scored(id, vocab.decode(id), p[id]));
        return out;
    }

    /** Id of the one token that {@code text} encodes to, or a UserError saying how it splits. */
    public int singleToken(String text) {
        int[] t = vocab.encode(text);
        if (t.length != 1) {
            List<String> parts = new ArrayList<>();
            for (int id : t) parts.add(Heatmap.visible(vocab.decode(id), 20));
            throw new jgpt.InvalidSetting("target", "target '" + Heatmap.visible(text, 30) + "' is " + t.length + " tokens " + parts
                    + ": give exactly one token (mind the leading space, e.g. ' Paris')");
        }
        return t[0];
    }

    /**
     * Forward + backward for one prompt with the loss only at the last position.
     * @param target the target token's text (one token), or null for the most likely token
     * @param top    how many next-token probabilities and logit-gradient entries to keep
     */
    public Result explain(String prompt, String target, int top) {
        int[] tokens = encodePrompt(prompt);
        int T = tokens.length, V = model.cfg.vocab(), L = model.cfg.layers(), H = model.cfg.heads();
        String[] texts = new String[T];
        for (int i = 0; i < T; i++) texts[i] = vocab.decode(tokens[i]);

        // The target: the given token, or the most likely one (which needs a forward first).
        int tgt;
        if (target != null) tgt = singleToken(target);
        else {
            model.forward(tokens, null, 1, T);
            tgt = argmax(softmaxRow(model.logits(), (T - 1) * V, V));
        }
        if (tgt >= V) throw new UserError("target token id " + tgt + " is outside the model's vocabulary of " + V);

        // Forward with the loss at the last position only (−1 = ignored), then the engine's backward.
        int[] targets = new int[T];
        Arrays.fill(targets, -1);
        targets[T - 1] = tgt;
        model.zeroGrad();
        double loss = model.forward(tokens, targets, 1, T);
        model.backward();
        double[] p = softmaxRow(model.logits(), (T - 1) * V, V);   // P at the last position

        // ∂loss/∂logits = P − onehot(target): ours, checked against the engine's own dLogits
        double[] grad = p.clone();
        grad[tgt] -= 1;
        Tensor dl = model.dLogits();
        double diff = 0;
        for (int v = 0; v < V; v++) diff = Math.max(diff, Math.abs(grad[v] - dl.get((T - 1) * V + v)));

        List<Scored> topP = new ArrayList<>();
        for (int id : topIndices(p, top)) topP.add(new Scored(id, vocab.decode(id), p[id]));
        double[] absGrad = new double[V];
        for (int v = 0; v < V; v++) absGrad[v] = Math.abs(grad[v]);
        List<Scored> topG = new ArrayList<>();
        for (int id : topIndices(absGrad, top)) topG.add(new Scored(id, vocab.decode(id), grad[id]));

        // gradient norm of every parameter tensor for this one example
        Map<String, Double> norms = new LinkedHashMap<>();
        var specs = model.layout.specs();
        var gv = model.gradViews();
        double all = 0;
        for (int i = 0; i < specs.size(); i++) {
            Tensor g = gv.get(i);
            double ss = model.k.sumSquares(g, g.size);
            norms.put(specs.get(i).name(), Math.sqrt(ss));
            all += ss;
        }

        double[][][] att = new double[L][H][T * T];
        for (int l = 0; l < L; l++) {
            Tensor a = model.attention(l);          // (1, H, T, T)
            for (int h = 0; h < H; h++) for (int i = 0; i < T * T; i++) att[l][h][i] = a.get(h * T * T + i);
        }
        lastTokens = tokens;
        lastTargets = targets;
        lastLoss = loss;
        return new Result(tokens, texts, topP, tgt, vocab.decode(tgt), p[tgt], loss, topG, diff, norms, Math.sqrt(all), att);
    }

    private static final Pattern NUDGE = Pattern.compile("([A-Za-z0-9_.]+)\\[\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?]");

    /**
     * Moves weight {@code spec} (e.g. {@code layer.0.wq[3,5]}: row 3 = input dimension, column 5 = output) by +ε
     * and −ε, re-runs the forward of the last {@link #explain}, and restores it. Uses the gradients of that explain.
     */
    public Nudge nudge(String spec, double epsilon) {
        if (lastTokens == null) throw new IllegalStateException("call explain first");
        if (!(epsilon > 0)) throw new jgpt.InvalidSetting("epsilon", "epsilon must be positive, got " + epsilon);
        Matcher m = NUDGE.matcher(spec.strip());
        if (!m.matches()) throw new jgpt.InvalidSetting("nudge", "nudge '" + spec + "': write NAME[i,j] for a matrix or NAME[i] for a vector, e.g. layer.0.wq[3,5]");
        String name = m.group(1);
        Spec s = model.layout.get(name);
        if (s == null) {
            String hint = name.equals("wVocab") && model.cfg.tied() ? ": the output is tied to wEmbed, nudge wEmbed instead" : ": names look like layer.0.wq, layer.3.b1, wEmbed";
            throw new jgpt.InvalidSetting("nudge", "nudge: no parameter '" + name + "'" + hint);
        }
        int[] idx = m.group(3) == null ? new int[]{Integer.parseInt(m.group(2))} : new int[]{Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        if (idx.length != s.shape().length)
            throw new jgpt.InvalidSetting("nudge", "nudge: " + name + " has shape " + Arrays.toString(s.shape()) + ", give " + s.shape().length + " index(es)");
        long flat = 0;
        for (int d = 0; d < idx.length; d++) {
            if (idx[d] >= s.shape()[d]) throw new jgpt.InvalidSetting("nudge", "nudge: index " + idx[d] + " out of range for dimension " + d + " of " + name + " " + Arrays.toString(s.shape()));
            flat = flat * s.shape()[d] + idx[d];
        }
        int at = Math.toIntExact(s.offset() + flat);
        double g = model.grads().get(at);
        double w0 = model.params.get(at);

        model.params.set(at, w0 + epsilon);
        double stepPlus = model.params.get(at) - w0;         // what float storage actually applied
        double lossPlus = model.forward(lastTokens, lastTargets, 1, lastTokens.length);
        model.params.set(at, w0 - epsilon);
        double stepMinus = model.params.get(at) - w0;
        double lossMinus = model.forward(lastTokens, lastTargets, 1, lastTokens.length);
        model.params.set(at, w0);                             // restore exactly (w0 came from this storage)
        // Loss changes smaller than the loss's own rounding step cannot be measured (float32: ~2.4e-7 at L≈2).
        double resolution = model.dtype == DType.F32 ? Math.ulp((float) lastLoss) : Math.ulp(lastLoss);
        return new Nudge(name, idx, w0, g, epsilon, stepPlus, stepMinus, g * stepPlus, lossPlus - lastLoss, lossMinus - lastLoss, resolution);
    }

    // ---- output ------------------------------------------------------------------------------------------------

    /** Readable one-token text: ␣ for space, ⏎ for newline, quotes not needed. */
    static String show(String s) { return Heatmap.visible(s, 24); }

    /** The human report (seed 003's sections with this model's numbers). */
    public String report(Result r, List<Nudge> nudges, int headsTop) {
        StringBuilder b = new StringBuilder();
        int T = r.T();
        b.append(String.format(Locale.ROOT, "prompt: %d tokens  %s%n", T, String.join(" | ", Arrays.stream(r.texts).map(Explainer::show).toList())));

        b.append(String.format(Locale.ROOT, "%nnext-token probabilities after \"%s\" (softmax of the logits at position %d)%n", show(r.texts[T - 1]), T - 1));
        for (int i = 0; i < r.top.size(); i++) {
            Scored s = r.top.get(i);
            b.append(String.format(Locale.ROOT, "  %2d. %-18s %9s  %s%n", i + 1, show(s.text), prob(s.value), Heatmap.bar(s.value, 30)));
        }
        b.append(String.format(Locale.ROOT, "%ntarget %s (id %d): P = %s, loss = −log P = %.4f%n", show(r.targetText), r.target, prob(r.pTarget), r.loss));

        b.append(String.format(Locale.ROOT, "%ngradient at the logits, ∂loss/∂logits = P − onehot(target), largest |entries|:%n"));
        for (Scored s : r.logitGrad)
            b.append(String.format(Locale.ROOT, "  %-18s %+9.4f  %s%n", show(s.text), s.value,
                    s.id == r.target ? "push this logit up: not confident enough in the right answer" : "push down: probability on a wrong answer"));
        b.append(String.format(Locale.ROOT, "  (engine's backward gives the same vector: max |difference| %.1e)%n", r.engineDiff));

        b.append(gradTable(r));

        b.append(String.format(Locale.ROOT, "%nattention of the last position (%s) over the prompt: top %d keys per head (token@position)%n", show(r.texts[T - 1]), Math.min(headsTop, T)));
        for (int l = 0; l < r.attention.length; l++)
            for (int h = 0; h < r.attention[l].length; h++) {
                b.append(String.format(Locale.ROOT, "  L%-2d H%-2d ", l, h));
                double[] a = r.attention[l][h];
                for (int j : Heatmap.topIndices(a, (T - 1) * T, T, headsTop))   // token@position: a prompt may repeat a token
                    b.append(String.format(Locale.ROOT, " %-14s %.2f %-6s", Heatmap.visible(r.texts[j], 10) + "@" + j,
                            a[(T - 1) * T + j], Heatmap.bar(a[(T - 1) * T + j], 6)));
                b.append('\n');
            }

        for (Nudge n : nudges) b.append(nudgeText(n));
        return b.toString();
    }

    /** 0.4512, or 2.26e-05 for probabilities that four decimals would show as 0. */
    static String prob(double p) { return String.format(Locale.ROOT, p >= 1e-3 ? "%.4f" : "%.2e", p); }

    /** Gradient norms as a layer × {wq, wk, wv, wo, w1, w2, biases, LN} table, then the global tensors. */
    String gradTable(Result r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%ngradient norms ‖∂loss/∂W‖₂ for this one example (total %.4g)%n", r.gradNorm));
        String[] cols = {"wq", "wk", "wv", "wo", "w1", "w2"};
        boolean bias = model.cfg.bias();
        b.append(String.format(Locale.ROOT, "  %-6s", "layer"));
        for (String c : cols) b.append(String.format(Locale.ROOT, "%11s", c));
        if (bias) b.append(String.format(Locale.ROOT, "%11s", "biases"));
        b.append(String.format(Locale.ROOT, "%11s%n", "LN"));
        for (int l = 0; l < model.cfg.layers(); l++) {
            b.append(String.format(Locale.ROOT, "  %-6d", l));
            for (String c : cols) b.append(String.format(Locale.ROOT, "%11.3e", r.gradNorms.get("layer." + l + "." + c)));
            if (bias) b.append(String.format(Locale.ROOT, "%11.3e", groupNorm(r, l, "bq", "bk", "bv", "bo", "b1", "b2")));
            b.append(String.format(Locale.ROOT, "%11.3e%n", groupNorm(r, l, "ln1g", "ln1b", "ln2g", "ln2b")));
        }
        b.append("  global:");
        for (Spec s : model.layout.specs()) if (s.layer() < 0) b.append(String.format(Locale.ROOT, "  %s %.3e", s.name(), r.gradNorms.get(s.name())));
        if (model.cfg.tied()) b.append("  (wVocab is tied: its gradient is part of wEmbed's)");
        b.append('\n');
        return b.toString();
    }

    private static double groupNorm(Result r, int l, String... names) {
        double ss = 0;
        for (String n : names) { Double v = r.gradNorms.get("layer." + l + "." + n); if (v != null) ss += v * v; }
        return Math.sqrt(ss);
    }

    /** Seed 003 §5: "If we increase this weight by 0.001, the loss increases by 0.000023." */
    static String nudgeText(Nudge n) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%nnudge %s: weight %+.6f, gradient g = ∂loss/∂w = %+.6g%n", n.label(), n.weight, n.g));
        b.append(String.format(Locale.ROOT, "  if we increase this weight by ε = %.3g, the loss should change by g·ε = %+.6g%n", n.stepPlus, n.predicted));
        b.append(String.format(Locale.ROOT, "  measured (forward re-run): w+ε → %+.6g,  w−ε → %+.6g   (relative difference %.2g)%n",
                n.measuredPlus, n.measuredMinus, n.relError()));
        b.append(String.format(Locale.ROOT, "  gradient from the two measurements, (L(w+ε) − L(w−ε))/2ε = %+.6g  (vs g = %+.6g)%n", n.centralGrad(), n.g));
        if (Math.abs(n.predicted) < 4 * n.resolution)
            b.append(String.format(Locale.ROOT, "  g·ε is below the loss's rounding step (%.2g): these measurements are rounding noise; use dtype F64 or a larger epsilon%n",
                    n.resolution));
        else if (n.relError() > 0.1)
            b.append(String.format(Locale.ROOT, "  not first-order here: the curvature part (L(w+ε) + L(w−ε))/2 − L(w) = %+.3g outweighs g·ε; try a smaller epsilon or dtype F64%n",
                    n.secondOrder()));
        if (n.g > 0) b.append("  positive gradient: this weight is making the prediction worse; gradient descent decreases it\n");
        else if (n.g < 0) b.append("  negative gradient: increasing this weight lowers the loss; gradient descent increases it\n");
        else b.append("  zero gradient: this weight does not influence this prediction\n");
        return b.toString();
    }

    public Map<String, Object> json(Result r, List<Nudge> nudges) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", r.tokens);
        m.put("texts", r.texts);
        m.put("top", scored(r.top, "p"));
        m.put("target", Map.of("id", r.target, "text", r.targetText, "p", r.pTarget));
        m.put("loss", r.loss);
        m.put("logit_grad", scored(r.logitGrad, "grad"));
        m.put("engine_logit_grad_max_diff", r.engineDiff);
        m.put("grad_norms", r.gradNorms);
        m.put("grad_norm", r.gradNorm);
        int T = r.T();
        double[][][] last = new double[r.attention.length][][];
        for (int l = 0; l < last.length; l++) {
            last[l] = new double[r.attention[l].length][];
            for (int h = 0; h < last[l].length; h++) last[l][h] = Arrays.copyOfRange(r.attention[l][h], (T - 1) * T, T * T);
        }
        m.put("attention_last", last);
        List<Map<String, Object>> ns = new ArrayList<>();
        for (Nudge n : nudges) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", n.name); o.put("index", n.index); o.put("weight", n.weight); o.put("grad", n.g);
            o.put("epsilon", n.epsilon); o.put("step_plus", n.stepPlus); o.put("step_minus", n.stepMinus);
            o.put("predicted", n.predicted); o.put("measured_plus", n.measuredPlus); o.put("measured_minus", n.measuredMinus);
            o.put("central_grad", n.centralGrad()); o.put("second_order", n.secondOrder()); o.put("loss_resolution", n.resolution);
            ns.add(o);
        }
        m.put("nudges", ns);
        return m;
    }

    private static List<Map<String, Object>> scored(List<Scored> xs, String key) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Scored s : xs) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", s.id); o.put("text", s.text); o.put(key, s.value);
            out.add(o);
        }
        return out;
    }

    // ---- numerics ---------------------------------------------------------------------------------------------

    /** softmax of x[off .. off+n) in double, max-subtracted. */
    static double[] softmaxRow(Tensor x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x.get(off + i));
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) { p[i] = Math.exp(x.get(off + i) - max); sum += p[i]; }
        for (int i = 0; i < n; i++) p[i] /= sum;
        return p;
    }

    static int argmax(double[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
        return best;
    }

    /** Indices of the k largest values, largest first: k passes over a (k is small, V may be 50k). */
    static int[] topIndices(double[] a, int k) {
        return Heatmap.topIndices(a, 0, a.length, k);
    }
}
