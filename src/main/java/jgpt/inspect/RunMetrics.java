package jgpt.inspect;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jgpt.UserError;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A run's metrics.jsonl (written by jgpt.train.Trainer), read into primitive columns, one entry per step,
 * steps ascending. Tolerates what real runs leave behind: a last line cut by a crash (skipped), lines
 * written again by a resumed run (a step at or before an earlier one starts over from there, so the
 * later attempt wins), and fields that are absent (NaN; "val_loss" only exists on evaluation steps).
 */
public final class RunMetrics {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    public final String name;        // shown in titles: the run directory's name
    public final int n;              // steps read
    public final long[] step;        // (n) 0-based step, strictly ascending
    public final double[] loss;      // (n) training loss of that step's batch
    public final double[] lr;        // (n) learning rate, NaN if absent
    public final double[] gradNorm;  // (n) global grad norm before clipping, NaN if absent
    public final double[] ms;        // (n) step time in ms (excludes evaluation), NaN if absent
    public final double[] tokensPerS;// (n) NaN if absent
    public final double[] valLoss;   // (n) validation loss, NaN except on evaluation steps
    public final int skipped;        // unreadable lines (cut by a crash, not JSON, no step/loss)
    public final int superseded;     // lines dropped because a resumed run wrote those steps again

    private RunMetrics(String name, int n, long[] step, double[] loss, double[] lr, double[] gradNorm, double[] ms,
                       double[] tokensPerS, double[] valLoss, int skipped, int superseded) {
        this.name = name;
        this.n = n;
        this.step = step;
        this.loss = loss;
        this.lr = lr;
        this.gradNorm = gradNorm;
        this.ms = ms;
        this.tokensPerS = tokensPerS;
        this.valLoss = valLoss;
        this.skipped = skipped;
        this.superseded = superseded;
    }

    /** The metrics of a run directory (or of a metrics.jsonl given directly); UserError when missing or empty. */
    public static RunMetrics read(Path runDirOrFile) {
        Path file = metricsFile(runDirOrFile);
        Path dir = file.toAbsolutePath().normalize().getParent();
        String name = dir == null || dir.getFileName() == null ? file.toString() : dir.getFileName().toString();
        RunMetrics m;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            m = parse(r, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (m.n == 0)
            throw new UserError(file + " has no complete step yet" + (m.skipped > 0 ? " (" + m.skipped + " unreadable lines)" : "")
                    + ": wait for the first step of 'jgpt train' or check the file");
        return m;
    }

    /** RUNDIR/metrics.jsonl, or the path itself when it is a file; UserError when neither exists. */
    public static Path metricsFile(Path runDirOrFile) {
        if (Files.isRegularFile(runDirOrFile)) return runDirOrFile;
        if (!Files.isDirectory(runDirOrFile))
            throw new UserError("no run directory " + runDirOrFile + ": give the output directory of a training run");
        Path f = runDirOrFile.resolve("metrics.jsonl");
        if (!Files.isRegularFile(f))
            throw new UserError(runDirOrFile + " has no metrics.jsonl: give the output directory of a training run");
        return f;
    }

    public static RunMetrics parse(String text, String name) {
        try {
            return parse(new StringReader(text), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // cannot happen for a string
        }
    }

    public static RunMetrics parse(Reader in, String name) throws IOException {
        Columns c = new Columns();
        int skipped = 0, superseded = 0;
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        for (String line; (line = r.readLine()) != null; ) {
            if (line.isBlank()) continue;
            JsonNode j;
            try {
                j = JSON.readTree(line);
            } catch (IOException e) {
                skipped++;
                continue;
            }
            if (j == null || !j.isObject() || !j.path("step").canConvertToLong() || !j.path("loss").isNumber()) {
                skipped++;
                continue;
            }
            long s = j.get("step").asLong();
            if (c.n > 0 && s <= c.step[c.n - 1]) superseded += c.cut(s);   // a resumed run starts over at s
            c.add(s, j.get("loss").asDouble(), num(j, "lr"), num(j, "grad_norm"), num(j, "ms"), num(j, "tokens_per_s"), num(j, "val_loss"));
        }
        return new RunMetrics(name, c.n, Arrays.copyOf(c.step, c.n), Arrays.copyOf(c.loss, c.n), Arrays.copyOf(c.lr, c.n),
                Arrays.copyOf(c.gn, c.n), Arrays.copyOf(c.ms, c.n), Arrays.copyOf(c.tps, c.n), Arrays.copyOf(c.val, c.n),
                skipped, superseded);
    }

    private static double num(JsonNode j, String key) {
        JsonNode v = j.get(key);
        return v != null && v.isNumber() ? v.asDouble() : Double.NaN;
    }

    /** Growable columns; cut(s) drops every entry with step ≥ s. */
    private static final class Columns {
        int n;
        long[] step = new long[256];
        double[] loss = new double[256], lr = new double[256], gn = new double[256], ms = new double[256], tps = new double[256], val = new double[256];

        void add(long s, double l, double a, double g, double m, double t, double v) {
            if (n == step.length) {
                int cap = n * 2;
                step = Arrays.copyOf(step, cap);
                loss = Arrays.copyOf(loss, cap); lr = Arrays.copyOf(lr, cap); gn = Arrays.copyOf(gn, cap);
                ms = Arrays.copyOf(ms, cap); tps = Arrays.copyOf(tps, cap); val = Arrays.copyOf(val, cap);
            }
            step[n] = s; loss[n] = l; lr[n] = a; gn[n] = g; ms[n] = m; tps[n] = t; val[n] = v;
            n++;
        }

        int cut(long s) {
            int i = Arrays.binarySearch(step, 0, n, s);
            int keep = i >= 0 ? i : -i - 1;
            int dropped = n - keep;
            n = keep;
            return dropped;
        }
    }

    // ---- derived series ---------------------------------------------------------------------------------

    /** Indices of the evaluation steps (finite val_loss), ascending. */
    public int[] valIndices() {
        int k = 0;
        for (int i = 0; i < n; i++) if (Double.isFinite(valLoss[i])) k++;
        int[] idx = new int[k];
        k = 0;
        for (int i = 0; i < n; i++) if (Double.isFinite(valLoss[i])) idx[k++] = i;
        return idx;
    }

    /** The smoothing span used for this run's EMA: about 1/50 of the run, between 1 and 200 steps. */
    public int emaSpan() { return Math.max(1, Math.min(200, n / 50)); }

    /** The training loss smoothed with {@link #ema(double[], int)} at {@link #emaSpan()}. */
    public double[] lossEma() { return ema(loss, emaSpan()); }

    /**
     * Exponential moving average with α = 2/(span+1), bias-corrected like Adam's moments (so the first values
     * are not pulled towards 0). Non-finite inputs are skipped: the output repeats the previous average.
     */
    public static double[] ema(double[] x, int span) {
        double a = 2.0 / (span + 1), beta = 1 - a;
        double[] out = new double[x.length];
        double m = 0, corr = 1;   // corr = β^t
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i])) {
                m = beta * m + a * x[i];
                corr *= beta;
            }
            out[i] = corr == 1 ? Double.NaN : m / (1 - corr);
        }
        return out;
    }

    // ---- summary ------------------------------------------------------------------------------------------

    /** The numbers `jgpt plot` prints; NaN / -1 where the run has no such data (no evaluation, no timing). */
    public record Summary(String run, int steps, long firstStep, long lastStep,
                          double firstLoss, double lastLoss, double minLoss, long minLossStep, double emaLoss, int emaSpan,
                          int valPoints, double lastValLoss, long lastValStep, double bestValLoss, long bestValStep,
                          double totalTokens, double totalSeconds, double meanTokensPerS, int skippedLines, int supersededLines) {

        public ObjectNode json(ObjectMapper om) {
            ObjectNode o = om.createObjectNode();
            o.put("run", run);
            o.put("steps", steps);
            o.put("first_step", firstStep);
            o.put("last_step", lastStep);
            put(o, "first_loss", firstLoss);
            put(o, "last_loss", lastLoss);
            put(o, "min_loss", minLoss);
            o.put("min_loss_step", minLossStep);
            put(o, "ema_loss", emaLoss);
            o.put("ema_span", emaSpan);
            o.put("val_points", valPoints);
            put(o, "last_val_loss", lastValLoss);
            if (valPoints > 0) o.put("last_val_step", lastValStep); else o.putNull("last_val_step");
            put(o, "best_val_loss", bestValLoss);
            if (valPoints > 0) o.put("best_val_step", bestValStep); else o.putNull("best_val_step");
            put(o, "total_tokens", totalTokens);
            put(o, "total_s", totalSeconds);
            put(o, "mean_tokens_per_s", meanTokensPerS);
            o.put("skipped_lines", skippedLines);
            o.put("superseded_lines", supersededLines);
            return o;
        }

        private static void put(ObjectNode o, String k, double v) {
            if (Double.isFinite(v)) o.put(k, v); else o.putNull(k);
        }
    }

    public Summary summary() {
        double minLoss = Double.POSITIVE_INFINITY;
        long minStep = -1;
        for (int i = 0; i < n; i++) if (loss[i] < minLoss) { minLoss = loss[i]; minStep = step[i]; }
        int[] v = valIndices();
        double best = Double.NaN, last = Double.NaN;
        long bestStep = -1, lastStep = -1;
        for (int i : v) {
            if (!(valLoss[i] >= best)) { best = valLoss[i]; bestStep = step[i]; }   // NaN-safe: the first one wins
            last = valLoss[i];
            lastStep = step[i];
        }
        // tokens per step = tokens_per_s · seconds; the mean rate is total tokens / total time (not the mean of rates)
        double tokens = 0, seconds = 0;
        boolean timed = false;
        for (int i = 0; i < n; i++)
            if (Double.isFinite(ms[i]) && Double.isFinite(tokensPerS[i])) {
                tokens += tokensPerS[i] * ms[i] / 1e3;
                seconds += ms[i] / 1e3;
                timed = true;
            }
        double[] e = lossEma();
        return new Summary(name, n, step[0], step[n - 1], loss[0], loss[n - 1], minLoss, minStep, e[n - 1], emaSpan(),
                v.length, last, lastStep, best, bestStep,
                timed ? Math.rint(tokens) : Double.NaN, timed ? seconds : Double.NaN, timed && seconds > 0 ? tokens / seconds : Double.NaN,
                skipped, superseded);
    }
}
