package jgpt.inspect;

import jgpt.UserError;
import jgpt.model.GPT;
import jgpt.tensor.Tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Seed 000's "knowledge is in the weights", measured: how likely does the model find each candidate
 * continuation of a prompt? log P(candidate | prompt) = Σ over the candidate's tokens of log P(token | everything
 * before it), teacher-forced in one forward per candidate.
 */
public final class Prober {

    /** One candidate: its tokens, the log-probability of each, their sum and mean. */
    public record Scored(String text, int[] tokens, String[] texts, double[] logProbs, double total, double mean) {}

    private final GPT model;
    private final Explainer.Vocab vocab;

    public Prober(GPT model, Explainer.Vocab vocab) {
        this.model = model;
        this.vocab = vocab;
    }

    /** Candidates ranked by total log-probability, most likely first. */
    public List<Scored> rank(String prompt, List<String> candidates) {
        int[] p = new Explainer(model, vocab).encodePrompt(prompt);
        List<Scored> out = new ArrayList<>();
        for (String c : candidates) out.add(score(p, c));
        out.sort(Comparator.comparingDouble(Scored::total).reversed());
        return out;
    }

    Scored score(int[] prompt, String candidate) {
        int[] c = vocab.encode(candidate);
        if (c.length == 0) throw new UserError("candidate '" + candidate + "' is empty after tokenization");
        int n = prompt.length + c.length - 1;          // the last candidate token is only a target
        if (n > model.cfg.block())
            throw new UserError("prompt + candidate '" + Heatmap.visible(candidate, 30) + "' is " + (n + 1) + " tokens, more than the context of "
                    + (model.cfg.block() + 1) + " this needs: shorten the prompt");
        int[] x = new int[n], y = new int[n];
        for (int t = 0; t < n; t++) {
            x[t] = t < prompt.length ? prompt[t] : c[t - prompt.length];
            int next = t + 1;
            y[t] = next < prompt.length ? -1 : c[next - prompt.length];       // loss only where the candidate is predicted
        }
        for (int id : c) if (id >= model.cfg.vocab()) throw new UserError("candidate token id " + id + " is outside the model's vocabulary");
        model.forward(x, y, 1, n);
        Tensor losses = model.losses();
        double[] lp = new double[c.length];
        String[] texts = new String[c.length];
        double sum = 0;
        for (int i = 0; i < c.length; i++) {
            lp[i] = -losses.get(prompt.length - 1 + i);
            texts[i] = vocab.decode(c[i]);
            sum += lp[i];
        }
        return new Scored(candidate, c, texts, lp, sum, sum / c.length);
    }

    public static String report(String prompt, List<Scored> ranked) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "prompt: %s%n", Heatmap.visible(prompt, 200)));
        b.append(String.format(Locale.ROOT, "%4s  %-24s %12s %10s %10s  %s%n", "rank", "candidate", "log P total", "P", "mean/token", "tokens (log P each)"));
        int i = 1;
        for (Scored s : ranked) {
            StringBuilder toks = new StringBuilder();
            for (int j = 0; j < s.tokens.length; j++) toks.append(String.format(Locale.ROOT, "%s%s (%.2f)", j > 0 ? " · " : "", Heatmap.visible(s.texts[j], 16), s.logProbs[j]));
            b.append(String.format(Locale.ROOT, "%4d  %-24s %12.4f %10.3g %10.4f  %s%n", i++, Heatmap.visible(s.text, 24), s.total, Math.exp(s.total), s.mean, toks));
        }
        return b.toString();
    }

    public static Map<String, Object> json(String prompt, List<Scored> ranked) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompt", prompt);
        List<Map<String, Object>> cs = new ArrayList<>();
        for (Scored s : ranked) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("candidate", s.text); o.put("tokens", s.tokens); o.put("texts", s.texts); o.put("logprobs", s.logProbs);
            o.put("total", s.total); o.put("mean", s.mean); o.put("p", Math.exp(s.total));
            cs.add(o);
        }
        m.put("ranked", cs);
        m.put("best", ranked.isEmpty() ? null : ranked.get(0).text);
        return m;
    }
}
