package jgpt.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jgpt.UserError;
import jgpt.inspect.Explainer;
import jgpt.inspect.Models;
import jgpt.inspect.ParamInventory;
import jgpt.inspect.Prober;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.ParamLayout;
import jgpt.model.Sampler;
import jgpt.tensor.DType;
import jgpt.tensor.Tensor;

/**
 * The model page's computations, done by jgpt.inspect exactly as {@code explain}, {@code probe} and {@code params}
 * do them. One model is kept loaded (reloaded when its weights file changes); requests are size-capped by the
 * caller and run one at a time (the caller holds {@link Dashboard}'s lock).
 */
final class ModelService {
    static final int MAX_PROMPT_CHARS = 2000, MAX_TOP = 100, MAX_CANDIDATES = 20, MAX_NUDGES = 4;

    private Path loadedDir;
    private long loadedStamp;
    private GPT gpt;
    private Explainer.Vocab vocab;

    /** The model directory of a run: "latest" = the run directory, "best" = best/. */
    static Path modelDir(Run run, String which) {
        String sub = "best".equals(which) ? "best/" : "";
        if (run.file(sub + "config.json") == null || run.file(sub + "model.safetensors") == null)
            throw new UserError("run " + run.name + " has no " + ("best".equals(which) ? "best " : "") + "model yet");
        return sub.isEmpty() ? run.dir : run.dir.resolve("best");
    }

    /** Shape, parameter inventory (the same table as {@code jgpt params}) with GPT-2 and GPT-3 for comparison, weight names. */
    Map<String, Object> info(Run run, String which) {
        Config c = Models.readConfig(modelDir(run, which));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", run.name);
        m.put("which", which);
        m.put("config", ParamInventory.configJson(c));
        m.put("params", ParamInventory.of(c).json());
        Map<String, Object> compare = new LinkedHashMap<>();
        for (String p : List.of("gpt2", "gpt2-xl", "gpt3")) compare.put(p, ParamInventory.of(Config.PRESETS.get(p)).json());
        m.put("compare", compare);
        List<Map<String, Object>> weights = new ArrayList<>();
        for (ParamLayout.Spec s : new ParamLayout(c).specs()) weights.add(Map.of("name", s.name(), "shape", s.shape()));
        m.put("weights", weights);
        return m;
    }

    /**
     * {@link Explainer#explain} plus the next-token table under the sampling settings (the sampler's own
     * distribution), the full attention matrices, and optional nudges.
     */
    Map<String, Object> explain(Run run, String which, JsonNode q) {
        load(modelDir(run, which));
        String prompt = text(q, "prompt", MAX_PROMPT_CHARS);
        String target = q.hasNonNull("target") && !q.get("target").asText().isEmpty() ? text(q, "target", 100) : null;
        int top = Math.clamp(q.path("top").asInt(10), 1, MAX_TOP);
        Explainer ex = new Explainer(gpt, vocab);
        Explainer.Result r = ex.explain(prompt, target, top);

        // logits of the last position, still in the model from explain's forward: the table's logit column and the sampler's view
        int V = gpt.cfg.vocab(), T = r.T();
        Tensor last = gpt.logits().view("last", (T - 1) * V, V);
        double temperature = q.path("temperature").asDouble(1.0), topP = q.path("top_p").asDouble(1.0);
        int topK = q.path("top_k").asInt(0);
        if (!(temperature >= 0 && temperature <= 100) || topK < 0 || !(topP > 0 && topP <= 1))
            throw new UserError("temperature must be in [0, 100], top-k ≥ 0 and top-p in (0, 1]");
        double[] sampled = new Sampler(V, temperature, topK, topP, 0).distribution(last);
        List<Map<String, Object>> table = new ArrayList<>();
        for (Explainer.Scored s : r.top()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", s.id()); row.put("text", s.text()); row.put("p", s.value());
            row.put("logit", last.get(s.id())); row.put("p_sampled", sampled[s.id()]);
            table.add(row);
        }

        List<Explainer.Nudge> nudges = new ArrayList<>();
        double eps = q.path("epsilon").asDouble(1e-3);
        for (JsonNode n : q.path("nudges")) {
            if (nudges.size() == MAX_NUDGES) break;
            nudges.add(ex.nudge(n.asText(""), eps));
        }
        Map<String, Object> m = ex.json(r, nudges);
        m.put("table", table);
        m.put("attention", r.attention());
        m.put("layers", gpt.cfg.layers());
        m.put("heads", gpt.cfg.heads());
        return m;
    }

    /** {@link Prober#rank}: candidates by log-probability, as {@code jgpt probe --json}. */
    Map<String, Object> probe(Run run, String which, JsonNode q) {
        load(modelDir(run, which));
        String prompt = text(q, "prompt", MAX_PROMPT_CHARS);
        List<String> cands = new ArrayList<>();
        for (JsonNode c : q.path("candidates")) {
            if (cands.size() == MAX_CANDIDATES) throw new UserError("at most " + MAX_CANDIDATES + " candidates");
            String s = c.asText("");
            if (s.isEmpty() || s.length() > 200) throw new UserError("candidates must be 1 to 200 characters");
            cands.add(s);
        }
        if (cands.isEmpty()) throw new UserError("give at least one candidate");
        return Prober.json(prompt, new Prober(gpt, vocab).rank(prompt, cands));
    }

    private static String text(JsonNode q, String field, int max) {
        String s = q.path(field).asText("");
        if (s.isEmpty()) throw new UserError(field + " is empty");
        if (s.length() > max) throw new UserError(field + " is longer than " + max + " characters");
        return s;
    }

    private void load(Path dir) {
        long stamp;
        try { stamp = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis(); }
        catch (IOException e) { throw new UserError("the model in " + dir.getFileName() + " cannot be read"); }
        if (dir.equals(loadedDir) && stamp == loadedStamp) return;
        gpt = null;                                          // let the old one go before loading the new one
        GPT g = Models.load(dir, DType.F32);
        vocab = Models.vocab(dir, g.cfg);
        gpt = g;
        loadedDir = dir;
        loadedStamp = stamp;
    }
}
