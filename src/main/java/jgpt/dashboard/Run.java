package jgpt.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One run directory as the dashboard sees it: the rows of metrics.jsonl and samples.jsonl read so far (tailed),
 * its configuration, and its status. Rows are kept as numbers in {@link #COLUMNS} order plus two running sums
 * (tokens seen, training seconds) for the comparison chart's x axes. A resumed run rewrites its metrics: the
 * rows are dropped, {@link #generation} goes up, and streams send everything again.
 */
final class Run {
    /** Row layout: metrics.jsonl's fields, then cumulative tokens and seconds of training. */
    static final String[] COLUMNS = {"step", "loss", "val_loss", "lr", "grad_norm", "ms", "tokens_per_s", "mfu", "tokens", "time"};
    static final long STALLED_AFTER_MS = 60_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    final Path dir;
    private final Path root;                                // the served directory it was found under (real path)
    private final JsonLinesTail metrics, samples;
    private final List<double[]> rows = new ArrayList<>();
    private final List<JsonNode> sampleRows = new ArrayList<>();
    private int generation, sampleGeneration;
    private long totalSteps = -1;                           // from samples.jsonl or the checkpoint's state; -1 = unknown
    private long checkpointStep = -1;
    private long stateModified;
    private boolean gone;
    private boolean hasModel, hasBest;                      // model.safetensors, best/model.safetensors
    private ObjectNode config = JSON.createObjectNode();
    private String configStamp = "";                        // last-modified times the config was read at

    Run(String name, Path dir, Path root) {
        this.name = name;
        this.dir = dir;
        this.root = root;
        this.metrics = new JsonLinesTail(dir.resolve("metrics.jsonl"));
        this.samples = new JsonLinesTail(dir.resolve("samples.jsonl"));
    }

    /** A file of this run when it exists and, symlinks resolved, stays inside the served directory; else null. */
    Path file(String relative) {
        Path f = dir.resolve(relative);
        try {
            if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) return null;
            return f.toRealPath().startsWith(root) ? f : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads what was appended since the last call; true when anything changed. */
    synchronized boolean refresh() {
        boolean wasGone = gone;
        gone = !Files.isDirectory(dir);
        boolean changed = gone != wasGone;
        if (gone) return changed;
        if (file("metrics.jsonl") != null || !rows.isEmpty()) {
            JsonLinesTail.Update u = metrics.poll();
            if (u.reset()) { rows.clear(); generation++; }
            for (JsonNode n : u.lines()) add(n);
            changed |= !u.empty();
        }
        if (file("samples.jsonl") != null || !sampleRows.isEmpty()) {
            JsonLinesTail.Update s = samples.poll();
            if (s.reset()) { sampleRows.clear(); sampleGeneration++; }
            for (JsonNode n : s.lines())
                if (n.has("step") && n.has("text")) {
                    long st = n.get("step").asLong();
                    if (!sampleRows.isEmpty() && sampleRows.getLast().get("step").asLong() >= st) {   // rewritten after a resume
                        sampleRows.removeIf(o -> o.get("step").asLong() >= st);
                        sampleGeneration++;
                    }
                    sampleRows.add(n);
                    if (n.has("steps")) totalSteps = n.get("steps").asLong();
                }
            changed |= !s.empty();
        }
        changed |= readState();
        hasModel = file("model.safetensors") != null;
        hasBest = file("best/model.safetensors") != null;
        readConfig();
        return changed;
    }

    private void add(JsonNode n) {
        if (!n.path("step").isNumber() || !n.path("loss").isNumber()) return;
        long step = n.get("step").asLong();
        if (!rows.isEmpty() && rows.getLast()[0] >= step) {       // a resumed run wrote these steps again
            rows.removeIf(r -> r[0] >= step);
            generation++;
        }
        double[] r = new double[COLUMNS.length];
        for (int c = 0; c < 8; c++) r[c] = n.path(COLUMNS[c]).isNumber() ? n.get(COLUMNS[c]).asDouble() : Double.NaN;
        double[] prev = rows.isEmpty() ? null : rows.getLast();
        double sec = Double.isNaN(r[5]) ? 0 : r[5] / 1e3;
        r[8] = (prev == null ? 0 : prev[8]) + (Double.isNaN(r[6]) ? 0 : r[6] * sec);
        r[9] = (prev == null ? 0 : prev[9]) + sec;
        rows.add(r);
    }

    /** checkpoint/state.json: the step saved and the run's total steps. */
    private boolean readState() {
        Path f = file("checkpoint/state.json");
        if (f == null) return false;
        try {
            long m = Files.getLastModifiedTime(f).toMillis();
            if (m == stateModified) return false;
            JsonNode s = JSON.readTree(f.toFile());
            stateModified = m;
            checkpointStep = s.path("step").asLong(-1);
            long total = s.path("train").path("steps").asLong(-1);
            if (total > 0) totalSteps = total;
            return true;
        } catch (IOException e) {
            return false;                                   // being replaced: read it next time
        }
    }

    synchronized int generation() { return generation; }
    synchronized int rowCount() { return rows.size(); }
    synchronized int sampleGeneration() { return sampleGeneration; }
    synchronized int sampleCount() { return sampleRows.size(); }
    synchronized boolean gone() { return gone; }

    /** Rows [from, end) as columns: {"step": [...], "loss": [...], ...}; NaN becomes null. */
    synchronized ObjectNode columns(int from) {
        ObjectNode o = JSON.createObjectNode();
        for (int c = 0; c < COLUMNS.length; c++) {
            ArrayNode a = o.putArray(COLUMNS[c]);
            for (int i = from; i < rows.size(); i++) {
                double v = rows.get(i)[c];
                if (Double.isFinite(v)) a.add(v); else a.addNull();
            }
        }
        return o;
    }

    synchronized ArrayNode samples(int from) {
        ArrayNode a = JSON.createArrayNode();
        for (int i = from; i < sampleRows.size(); i++) a.add(sampleRows.get(i));
        return a;
    }

    /** The overview's row: name, status, seconds since the last update, latest step and losses, speed, ETA. */
    synchronized ObjectNode summary(long nowMillis) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name);
        long updated = metrics.modifiedMillis();
        double age = updated == 0 ? Double.NaN : Math.max(0, (nowMillis - updated) / 1e3);
        double[] last = rows.isEmpty() ? null : rows.getLast();
        boolean finished = totalSteps > 0 && (checkpointStep >= totalSteps || last != null && last[0] + 1 >= totalSteps);
        String status = gone ? "gone" : finished ? "finished" : rows.isEmpty() ? (file("metrics.jsonl") == null ? "model" : "waiting")
                : age * 1e3 > STALLED_AFTER_MS ? "stalled" : "running";
        o.put("status", status);
        putNum(o, "age_s", age);
        o.put("points", rows.size());
        if (last != null) {
            o.put("step", (long) last[0] + 1);              // steps completed, as train prints it (metrics count from 0)
            putNum(o, "loss", last[1]);
            putNum(o, "tokens_per_s", last[6]);
        }
        double best = Double.NaN;
        for (double[] r : rows) if (r[2] < best || Double.isNaN(best) && !Double.isNaN(r[2])) best = r[2];
        putNum(o, "best_val_loss", best);
        if (totalSteps > 0) o.put("total_steps", totalSteps);
        if (last != null && totalSteps > 0 && status.equals("running")) putNum(o, "eta_s", (totalSteps - last[0] - 1) * recentSeconds());
        o.put("has_model", hasModel);
        o.put("has_best", hasBest);
        return o;
    }

    /** Median seconds per step over the last 50 steps (evaluations not counted). */
    private double recentSeconds() {
        int n = Math.min(50, rows.size());
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = rows.get(rows.size() - n + i)[5] / 1e3;
        java.util.Arrays.sort(s);
        return n == 0 ? Double.NaN : s[n / 2];
    }

    /** config.json (the model), checkpoint/state.json's train section (the run) and run.json (its data), as found. */
    synchronized ObjectNode config() { return config; }

    private static final String[][] CONFIG_FILES = {{"model", "config.json"}, {"train", "checkpoint/state.json"}, {"data", "run.json"}};

    /** Reads the configuration files again when one of them changed. */
    private void readConfig() {
        StringBuilder stamp = new StringBuilder();
        for (String[] f : CONFIG_FILES) {
            Path p = file(f[1]);
            try { stamp.append(p == null ? 0 : Files.getLastModifiedTime(p).toMillis()).append(','); } catch (IOException e) { stamp.append("?,"); }
        }
        if (stamp.toString().equals(configStamp)) return;
        ObjectNode o = JSON.createObjectNode();
        for (String[] f : CONFIG_FILES) {
            Path p = file(f[1]);
            if (p == null) continue;
            try {
                JsonNode n = JSON.readTree(p.toFile());
                o.set(f[0], f[0].equals("train") ? n.path("train") : n);
            } catch (IOException e) {
                return;                                     // being replaced: read it all next time
            }
        }
        config = o;
        configStamp = stamp.toString();
    }

    static void putNum(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) o.put(k, v); else o.putNull(k);
    }
}
