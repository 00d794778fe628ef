package jgpt.inspect;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static jgpt.inspect.LossPlot.Palette.*;
import static jgpt.inspect.PlotDrawing.*;

/**
 * Pictures of a training run from its metrics.jsonl: a PNG with the loss curves (raw training loss thin and
 * light, its EMA bold, validation points joined by a line) over the learning-rate schedule and the gradient
 * norm, and a block-character chart for the terminal. Headless (see {@link Heatmap}), files written crash-safe.
 * This file holds what is specific to a run's picture (layout, the panels' ranges and contents, ticks and
 * their labels, the terminal chart); the generic drawing (axis mapping, frames, lines, legend) is {@link PlotDrawing}.
 */
public final class LossPlot {
    static { Headless.init(); }   // before the first AWT class initialises; nothing else here touches AWT, so writeForRun can catch AWT failures

    private LossPlot() {}

    /** Image size in pixels; log: true/false forces the loss axis' scale, null picks log when the range spans ≥ 10×. */
    public record Options(int width, int height, Boolean log, boolean gradNorm) {
        public Options {
            if (width < 400 || height < 300) throw new IllegalArgumentException("plot size " + width + "×" + height + " is too small: at least 400×300");
        }
        public static Options defaults() { return new Options(1200, 800, null, true); }
    }

    // ---- colours (package-private: tests look for them) --------------------------------------------------

    /** In a holder class so that LossPlot's own initialisation creates no AWT object (see writeForRun). */
    static final class Palette {
        static final Color TRAIN_RAW = new Color(0xA9C9E8), TRAIN_EMA = new Color(0x1F5FA8);
        static final Color VAL = new Color(0xE8710A), LR = new Color(0x2E9A45), LR_FILL = new Color(0xE3F2E6);
        static final Color GRAD_RAW = new Color(0xD9C8EE), GRAD_EMA = new Color(0x7B4FB8);
        static final Color BG = Color.WHITE, INK = new Color(0x222222), SUBTLE = new Color(0x666666),
                GRID = new Color(0xEBEBEB), FRAME = new Color(0xBDBDBD);
    }

    // ---- layout -------------------------------------------------------------------------------------------

    /** Plot areas: the loss panel, then the lower panels (learning rate, grad norm) that the run has data for. */
    record Layout(Rectangle loss, Rectangle lr, Rectangle grad) {}

    static Layout layout(Options o, boolean hasLr, boolean hasGrad) {
        int left = 84, right = 74, top = 74, bottom = 50, gap = 16;
        int lower = (hasLr ? 1 : 0) + (hasGrad ? 1 : 0);
        int avail = o.height() - top - bottom - lower * gap;
        int each = lower == 0 ? 0 : (int) Math.round(avail * (lower == 2 ? 0.18 : 0.25));
        int w = o.width() - left - right;
        Rectangle loss = new Rectangle(left, top, w, avail - lower * each);
        int y = top + loss.height + gap;
        Rectangle lr = null, grad = null;
        if (hasLr) { lr = new Rectangle(left, y, w, each); y += each + gap; }
        if (hasGrad) grad = new Rectangle(left, y, w, each);
        return new Layout(loss, lr, grad);
    }

    // ---- axis ranges and ticks ----------------------------------------------------------------------------

    /** An axis range [lo, hi] widened by {@code pad} of its span on each side (in log space for log axes). */
    static double[] padded(double lo, double hi, double pad, boolean log) {
        if (log) {
            double a = Math.log(lo), b = Math.log(hi), d = b > a ? (b - a) * pad : 0.1;
            return new double[]{Math.exp(a - d), Math.exp(b + d)};
        }
        double d = hi > lo ? (hi - lo) * pad : Math.max(Math.abs(hi) * 0.05, 1e-3);
        return new double[]{lo - d, hi + d};
    }

    /** Round-number ticks in [lo, hi]: steps of 1, 2, (2.5,) 5 × 10^k, the count closest to {@code target}. */
    static double[] linearTicks(double lo, double hi, int target, boolean quarters) { return linearTicks(lo, hi, target, quarters, 0); }

    /** As above with steps of at least {@code minStep} (1 for step numbers: no ticks at step 0.5). */
    static double[] linearTicks(double lo, double hi, int target, boolean quarters, double minStep) {
        if (!(hi > lo)) return new double[]{lo};
        double p = Math.pow(10, Math.floor(Math.log10((hi - lo) / target)));
        double best = Math.max(p, minStep);
        int bestCount = Integer.MAX_VALUE / 2;
        for (double scale : new double[]{p / 10, p, p * 10})
            for (double m : quarters ? new double[]{1, 2, 2.5, 5} : new double[]{1, 2, 5}) {
                double s = m * scale;
                if (s < minStep) continue;
                int count = (int) (Math.floor(hi / s + 1e-9) - Math.ceil(lo / s - 1e-9)) + 1;
                if (Math.abs(count - target) < Math.abs(bestCount - target) || (Math.abs(count - target) == Math.abs(bestCount - target) && s > best)) {
                    best = s;
                    bestCount = count;
                }
            }
        long a = (long) Math.ceil(lo / best - 1e-9), b = (long) Math.floor(hi / best + 1e-9);
        double[] t = new double[(int) Math.max(0, b - a + 1)];
        for (int i = 0; i < t.length; i++) t[i] = (a + i) * best;
        return t;
    }

    /** Ticks for a log axis: 1-2-5 per decade when the range spans a decade or more, else round linear ticks. */
    static double[] logTicks(double lo, double hi, int target) {
        if (hi / lo < 10) return linearTicks(lo, hi, target, false);
        List<Double> t = new ArrayList<>();
        for (int k = (int) Math.floor(Math.log10(lo)); k <= (int) Math.ceil(Math.log10(hi)); k++)
            for (double m : new double[]{1, 2, 5}) {
                double v = m * Math.pow(10, k);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) t.add(v);
            }
        if (t.size() > 2 * target) t.removeIf(v -> Math.abs(Math.log10(v) - Math.rint(Math.log10(v))) > 1e-9);   // decades only
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Labels for a set of ticks, all with the same number of decimals; scientific for tiny values (lr). */
    static String[] tickLabels(double[] ticks) {
        double maxAbs = 0;
        for (double v : ticks) maxAbs = Math.max(maxAbs, Math.abs(v));
        String[] s = new String[ticks.length];
        if (maxAbs > 0 && maxAbs < 1e-2) {
            for (int i = 0; i < ticks.length; i++) s[i] = sci(ticks[i]);
            return s;
        }
        int dec = 0;
        for (double v : ticks) dec = Math.max(dec, decimals(v));
        for (int i = 0; i < ticks.length; i++) s[i] = String.format(Locale.ROOT, "%." + dec + "f", ticks[i]);
        return s;
    }

    /** Step ticks: plain integers, with k / M suffixes once they get long. */
    static String[] stepLabels(double[] ticks) {
        double maxAbs = 0;
        for (double v : ticks) maxAbs = Math.max(maxAbs, Math.abs(v));
        double div = maxAbs >= 1e6 ? 1e6 : maxAbs >= 1e4 ? 1e3 : 1;
        String suffix = div == 1e6 ? "M" : div == 1e3 ? "k" : "";
        String[] s = new String[ticks.length];
        for (int i = 0; i < ticks.length; i++) {
            double v = ticks[i] / div;
            s[i] = (ticks[i] == 0 ? "0" : String.format(Locale.ROOT, "%." + decimals(v) + "f", v) + suffix);
        }
        return s;
    }

    private static int decimals(double v) {
        for (int d = 0; d < 6; d++) {
            double x = v * Math.pow(10, d);
            if (Math.abs(x - Math.rint(x)) < 1e-6 * Math.max(1, Math.abs(x))) return d;
        }
        return 6;
    }

    /** 0.001 → "1e-3", 0.00025 → "2.5e-4". */
    static String sci(double v) {
        if (v == 0) return "0";
        int e = (int) Math.floor(Math.log10(Math.abs(v)) + 1e-9);
        double m = v / Math.pow(10, e);
        return String.format(Locale.ROOT, "%." + Math.min(2, decimals(m)) + "f", m) + "e" + e;
    }

    // ---- rendering ----------------------------------------------------------------------------------------

    /** The run as one image: title and summary, loss panel, learning rate and grad norm panels below. */
    public static BufferedImage render(RunMetrics m, Options o) {
        boolean hasLr = anyFinite(m.lr), hasGrad = o.gradNorm() && anyFinite(m.gradNorm);
        Layout lay = layout(o, hasLr, hasGrad);
        RunMetrics.Summary s = m.summary();
        double[] ema = m.lossEma();
        int[] val = m.valIndices();

        BufferedImage img = new BufferedImage(o.width(), o.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setColor(BG);
        g.fillRect(0, 0, o.width(), o.height());

        header(g, m, s, o.width());

        // shared x axis: steps, a little padding so the first point is not on the frame
        double[] xr = m.n == 1 ? new double[]{m.step[0] - 1, m.step[0] + 1}
                : padded(m.step[0], m.step[m.n - 1], 0.01, false);
        double[] xt = linearTicks(Math.max(0, xr[0]), xr[1], Math.max(4, lay.loss().width / 110), true, 1);
        String[] xl = stepLabels(xt);
        Rectangle bottomPanel = lay.grad() != null ? lay.grad() : lay.lr() != null ? lay.lr() : lay.loss();

        lossPanel(g, m, ema, val, s, o, lay.loss(), xr, xt, bottomPanel == lay.loss() ? xl : null);
        if (lay.lr() != null) lrPanel(g, m, lay.lr(), xr, xt, bottomPanel == lay.lr() ? xl : null);
        if (lay.grad() != null) gradPanel(g, m, lay.grad(), xr, xt, xl);

        g.setFont(font(Font.PLAIN, 12.5f));
        g.setColor(SUBTLE);
        FontMetrics fm = g.getFontMetrics();
        g.drawString("step", bottomPanel.x + (bottomPanel.width - fm.stringWidth("step")) / 2, bottomPanel.y + bottomPanel.height + 40);
        g.dispose();
        return img;
    }

    private static void header(Graphics2D g, RunMetrics m, RunMetrics.Summary s, int width) {
        g.setColor(INK);
        g.setFont(font(Font.BOLD, 19f));
        g.drawString(m.name, 18, 30);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%,d steps", s.steps()));
        if (Double.isFinite(s.totalTokens())) b.append(" · ").append(count(s.totalTokens())).append(" tokens in ").append(duration(s.totalSeconds()))
                .append(String.format(Locale.ROOT, " (%,.0f tok/s)", s.meanTokensPerS()));
        b.append(String.format(Locale.ROOT, " · train loss %.4f", s.emaLoss())).append(s.emaSpan() > 1 ? " (EMA)" : "");
        if (s.valPoints() > 0) {
            b.append(String.format(Locale.ROOT, " · val loss %.4f", s.lastValLoss()));
            if (s.bestValStep() != s.lastValStep()) b.append(String.format(Locale.ROOT, " (best %.4f at step %,d)", s.bestValLoss(), s.bestValStep()));
        }
        float size = 13f;
        g.setFont(font(Font.PLAIN, size));
        while (size > 9 && g.getFontMetrics().stringWidth(b.toString()) > width - 36) g.setFont(font(Font.PLAIN, size -= 0.5f));
        g.setColor(SUBTLE);
        g.drawString(b.toString(), 18, 52);
    }

    private static void lossPanel(Graphics2D g, RunMetrics m, double[] ema, int[] val, RunMetrics.Summary s, Options o,
                                  Rectangle a, double[] xr, double[] xt, String[] xl) {
        // y range: every EMA and validation value, and the raw loss without its most extreme 0.5% on either side
        double[] raw = finiteSorted(m.loss);
        double lo = raw.length > 0 ? quantile(raw, 0.005) : Double.POSITIVE_INFINITY, hi = raw.length > 0 ? quantile(raw, 0.995) : Double.NEGATIVE_INFINITY;
        for (double v : ema) if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        for (int i : val) { lo = Math.min(lo, m.valLoss[i]); hi = Math.max(hi, m.valLoss[i]); }
        if (lo > hi) { lo = 0; hi = 1; }   // no finite loss at all: an empty, labelled panel
        boolean log = o.log() != null ? o.log() : lo > 0 && hi / lo >= 10;
        if (log && !(lo > 0)) lo = positiveMin(m.loss, ema);
        if (log && !(lo > 0)) log = false;   // nothing positive to put on a log axis
        double[] yr = padded(lo, hi, 0.05, log);
        Axis x = new Axis(xr[0], xr[1], false, a.x, a.x + a.width);
        Axis y = new Axis(yr[0], yr[1], log, a.y + a.height, a.y);
        double[] yt = log ? logTicks(yr[0], yr[1], Math.max(4, a.height / 70)) : linearTicks(yr[0], yr[1], Math.max(4, a.height / 70), false);
        frame(g, a, x, y, xt, xl, yt, tickLabels(yt), log ? "loss (log scale)" : "loss");

        Shape clip = g.getClip();
        g.clip(new Rectangle(a.x, a.y - 1, a.width + 1, a.height + 2));
        boolean smoothed = s.emaSpan() > 1;
        if (smoothed) {
            g.setColor(TRAIN_RAW);
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            series(g, x, y, m.step, m.loss, a);
        }
        g.setColor(TRAIN_EMA);
        g.setStroke(new BasicStroke(2.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(line(x, y, m.step, ema, a.width));
        if (m.n <= 60) dots(g, x, y, m.step, smoothed ? ema : m.loss, 2.5, TRAIN_EMA, null);

        int best = -1;
        if (val.length > 0) {
            long[] vs = new long[val.length];
            double[] vl = new double[val.length];
            for (int k = 0; k < val.length; k++) { vs[k] = m.step[val[k]]; vl[k] = m.valLoss[val[k]]; }
            g.setColor(VAL);
            g.setStroke(new BasicStroke(1.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(line(x, y, vs, vl, Integer.MAX_VALUE));
            dots(g, x, y, vs, vl, val.length > 80 ? 2.5 : 4.2, VAL, BG);
            for (int k = 0; k < val.length; k++) if (best < 0 || vl[k] < vl[best]) best = k;
            if (y.drawable(vl[best])) {
                double bx = x.px(vs[best]), by = y.px(vl[best]);
                g.setColor(INK);
                g.setStroke(new BasicStroke(1.4f));
                g.draw(new Ellipse2D.Double(bx - 7.5, by - 7.5, 15, 15));
                if (best != val.length - 1) {   // the last value is labelled at the right edge anyway
                    g.setFont(font(Font.PLAIN, 12f));
                    String label = String.format(Locale.ROOT, "best val %.4f @ %,d", vl[best], vs[best]);
                    int tw = g.getFontMetrics().stringWidth(label);
                    double tx = Math.max(a.x + 4, Math.min(bx - tw / 2.0, a.x + a.width - tw - 4));
                    double ty = by - 14 >= a.y + 14 ? by - 14 : by + 24;
                    halo(g, label, tx, ty, INK);
                }
            }
        }
        g.setClip(clip);

        // final values next to the curves' right ends, nudged apart when they would overlap
        g.setFont(font(Font.BOLD, 12f));
        double ey = y.drawable(s.emaLoss()) ? clampY(y.px(s.emaLoss()), a) : Double.NaN;
        double vy = val.length > 0 && y.drawable(s.lastValLoss()) ? clampY(y.px(s.lastValLoss()), a) : Double.NaN;
        if (Double.isFinite(ey) && Double.isFinite(vy) && Math.abs(ey - vy) < 14) {
            double mid = (ey + vy) / 2, sign = vy < ey || (vy == ey) ? 1 : -1;   // val above train on screen: keep it above
            ey = mid + 7 * sign;
            vy = mid - 7 * sign;
        }
        if (Double.isFinite(ey)) { g.setColor(TRAIN_EMA); g.drawString(String.format(Locale.ROOT, "%.3f", s.emaLoss()), a.x + a.width + 6, (float) ey + 4); }
        if (Double.isFinite(vy)) { g.setColor(VAL); g.drawString(String.format(Locale.ROOT, "%.3f", s.lastValLoss()), a.x + a.width + 6, (float) vy + 4); }

        List<Object[]> items = new ArrayList<>();   // {colour, stroke width, marker?, label}
        if (smoothed) {
            items.add(new Object[]{TRAIN_RAW, 1.2f, false, "train loss (per step)"});
            items.add(new Object[]{TRAIN_EMA, 2.6f, false, "train loss (EMA, span " + s.emaSpan() + ")"});
        } else items.add(new Object[]{TRAIN_EMA, 2.6f, false, "train loss"});
        if (val.length > 0) items.add(new Object[]{VAL, 1.8f, true, "val loss"});
        legend(g, a, items, x, y, m.step, ema, val.length > 0 ? m.valLoss : null);
    }

    private static void lrPanel(Graphics2D g, RunMetrics m, Rectangle a, double[] xr, double[] xt, String[] xl) {
        double hi = 0;
        for (double v : m.lr) if (Double.isFinite(v)) hi = Math.max(hi, v);
        if (hi <= 0) hi = 1;
        Axis x = new Axis(xr[0], xr[1], false, a.x, a.x + a.width);
        Axis y = new Axis(0, hi * 1.12, false, a.y + a.height, a.y);
        double[] yt = linearTicks(0, hi * 1.12, 4, false);
        frame(g, a, x, y, xt, xl, yt, tickLabels(yt), "lr");
        Shape clip = g.getClip();
        g.clip(new Rectangle(a.x, a.y - 1, a.width + 1, a.height + 2));
        Path2D curve = line(x, y, m.step, m.lr, a.width);
        Path2D fill = new Path2D.Double(curve);   // area under the schedule, closed along the bottom
        int first = firstFinite(m.lr), last = lastFinite(m.lr);
        if (first >= 0) {
            fill.lineTo(x.px(m.step[last]), a.y + a.height);
            fill.lineTo(x.px(m.step[first]), a.y + a.height);
            fill.closePath();
            g.setColor(LR_FILL);
            g.fill(fill);
        }
        g.setColor(LR);
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(curve);
        g.setClip(clip);
    }

    private static void gradPanel(Graphics2D g, RunMetrics m, Rectangle a, double[] xr, double[] xt, String[] xl) {
        double[] sorted = finiteSorted(m.gradNorm);
        double[] ema = RunMetrics.ema(m.gradNorm, m.emaSpan());
        double hi = quantile(sorted, 0.99);
        for (double v : ema) if (Double.isFinite(v)) hi = Math.max(hi, v);
        if (!(hi > 0)) hi = 1;
        Axis x = new Axis(xr[0], xr[1], false, a.x, a.x + a.width);
        Axis y = new Axis(0, hi * 1.1, false, a.y + a.height, a.y);
        double[] yt = linearTicks(0, hi * 1.1, 4, false);
        frame(g, a, x, y, xt, xl, yt, tickLabels(yt), "grad norm");
        Shape clip = g.getClip();
        g.clip(new Rectangle(a.x, a.y - 1, a.width + 1, a.height + 2));
        if (m.emaSpan() > 1) {
            g.setColor(GRAD_RAW);
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            series(g, x, y, m.step, m.gradNorm, a);
        }
        g.setColor(GRAD_EMA);
        g.setStroke(new BasicStroke(1.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(line(x, y, m.step, ema, a.width));
        g.setClip(clip);
    }

    // ---- files --------------------------------------------------------------------------------------------

    /** Renders and writes the PNG crash-safe; returns {@code png}. */
    public static Path write(RunMetrics m, Path png, Options o) {
        Heatmap.write(render(m, o), png);
        return png;
    }

    /** For the trainer at the end of a run: RUNDIR/loss.png, or null with one line on stderr if plotting fails. */
    public static Path writeForRun(Path runDir) { return writeForRun(runDir, System.err); }

    /** As {@link #writeForRun(Path)}, logging a failure as one line to {@code log}; never throws (except VM errors). */
    public static Path writeForRun(Path runDir, PrintStream log) {
        try {
            return write(RunMetrics.read(runDir), runDir.resolve("loss.png"), Options.defaults());
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {   // headless AWT missing, disk full, odd metrics: the run itself is fine
            log.println("jgpt: no loss plot for " + runDir + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return null;
        }
    }

    // ---- terminal -----------------------------------------------------------------------------------------

    private static final String BLOCKS = "▁▂▃▄▅▆▇█";   // eighths of a character cell, bottom up

    /**
     * The values as a filled column chart of {@code width} × {@code rows} characters (each column the mean of
     * its step range; the height in eighths of a cell), with the max and min on the left and the first and
     * last step below.
     */
    public static String chart(long[] xs, double[] ys, int width, int rows) { return chart(xs, ys, width, rows, false); }

    /** As above; with {@code log} the heights are proportional to log(value) (labels stay plain values). */
    public static String chart(long[] xs, double[] ys, int width, int rows, boolean log) {
        double[] col = columns(xs, ys, width);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : col) if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        if (lo > hi) return "(no finite values)\n";
        if (!(lo > 0)) log = false;
        double flo = log ? Math.log(lo) : lo, fhi = log ? Math.log(hi) : hi;
        int cells = rows * 8;
        int[] h = new int[width];
        for (int c = 0; c < width; c++) {
            double f = log ? Math.log(col[c]) : col[c];
            h[c] = !Double.isFinite(f) ? 0 : fhi == flo ? cells / 2 : 1 + (int) Math.round((f - flo) / (fhi - flo) * (cells - 1));
        }
        String top = fmt(hi), bottom = fmt(lo);
        int lw = Math.max(top.length(), bottom.length());
        StringBuilder b = new StringBuilder();
        for (int r = rows - 1; r >= 0; r--) {
            String label = r == rows - 1 ? top : r == 0 ? bottom : "";
            b.append(" ".repeat(lw - label.length())).append(label).append(r == rows - 1 || r == 0 ? " ┤" : " │");
            for (int c = 0; c < width; c++) {
                int k = Math.max(0, Math.min(8, h[c] - r * 8));
                b.append(k == 0 ? ' ' : BLOCKS.charAt(k - 1));
            }
            b.append('\n');
        }
        b.append(" ".repeat(lw)).append(" └").append("─".repeat(width)).append('\n');
        String first = String.format(Locale.ROOT, "%,d", xs[0]), last = String.format(Locale.ROOT, "%,d", xs[xs.length - 1]);
        int gap = Math.max(1, width - first.length() - last.length());
        b.append(" ".repeat(lw + 2)).append(first).append(" ".repeat(gap)).append(last).append("  step").append(log ? "  (log scale)" : "").append('\n');
        return b.toString();
    }

    /** One line of eighth-blocks, min to max of the values (a sparkline), {@code width} characters. */
    public static String sparkline(long[] xs, double[] ys, int width) {
        double[] col = columns(xs, ys, width);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : col) if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        StringBuilder b = new StringBuilder();
        for (double v : col) {
            if (!Double.isFinite(v)) { b.append(' '); continue; }
            int k = hi == lo ? 3 : (int) Math.round((v - lo) / (hi - lo) * 7);
            b.append(BLOCKS.charAt(k));
        }
        return b.toString();
    }

    /** The terminal picture of a run: the training loss chart, and the learning rate as a sparkline under it. */
    public static String textChart(RunMetrics m, int width, int rows) { return textChart(m, width, rows, null); }

    /** As above; log: true/false forces the scale, null picks log when the column means span 10× or more. */
    public static String textChart(RunMetrics m, int width, int rows, Boolean log) {
        width = Math.max(8, width);
        if (log == null) {
            double lo = Double.POSITIVE_INFINITY, hi = 0;
            for (double v : columns(m.step, m.loss, width)) if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            log = lo > 0 && hi / lo >= 10;
        }
        long per = Math.max(1, Math.round((m.step[m.n - 1] - m.step[0] + 1) / (double) width));
        StringBuilder b = new StringBuilder();
        b.append("train loss").append(per > 1 ? " (mean of every " + per + " steps)" : "").append('\n');
        String c = chart(m.step, m.loss, width, rows, log);
        b.append(c);
        if (anyFinite(m.lr)) {
            int lw = c.indexOf('┤');
            String label = "lr";
            b.append(" ".repeat(Math.max(0, lw - label.length() - 1))).append(label).append("  ").append(sparkline(m.step, m.lr, width)).append('\n');
        }
        return b.toString();
    }

    /** Per column, the mean of the finite values whose step falls in its range; an empty column repeats the one before. */
    static double[] columns(long[] xs, double[] ys, int width) {
        double[] sum = new double[width];
        int[] cnt = new int[width];
        long x0 = xs[0], x1 = xs[xs.length - 1];
        double span = Math.max(1, x1 - x0 + 1);
        for (int i = 0; i < xs.length; i++) {
            if (!Double.isFinite(ys[i])) continue;
            int c = (int) Math.min(width - 1, Math.floor((xs[i] - x0) / span * width));
            sum[c] += ys[i];
            cnt[c]++;
        }
        double[] col = new double[width];
        double prev = Double.NaN;
        for (int c = 0; c < width; c++) col[c] = prev = cnt[c] > 0 ? sum[c] / cnt[c] : prev;
        for (int c = width - 1; c > 0; c--) if (Double.isNaN(col[c - 1])) col[c - 1] = col[c];   // leading gaps
        return col;
    }

    private static String fmt(double v) {
        double a = Math.abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e5) ? sci(v) : String.format(Locale.ROOT, a >= 100 ? "%.1f" : "%.4f", v);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** 1,536,000 → "1.54M". */
    public static String count(double v) {
        if (v >= 1e9) return String.format(Locale.ROOT, "%.2fB", v / 1e9);
        if (v >= 1e6) return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        if (v >= 1e5) return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        if (v >= 1e4) return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    /** 203.3 → "3m 23s". */
    public static String duration(double s) {
        if (!Double.isFinite(s)) return "?";
        if (s < 60) return String.format(Locale.ROOT, "%.1fs", s);
        long t = Math.round(s);
        if (t < 3600) return String.format(Locale.ROOT, "%dm %02ds", t / 60, t % 60);
        return String.format(Locale.ROOT, "%dh %02dm", t / 3600, t / 60 % 60);
    }

    private static boolean anyFinite(double[] a) {
        for (double v : a) if (Double.isFinite(v)) return true;
        return false;
    }

    private static int firstFinite(double[] a) {
        for (int i = 0; i < a.length; i++) if (Double.isFinite(a[i])) return i;
        return -1;
    }

    private static int lastFinite(double[] a) {
        for (int i = a.length - 1; i >= 0; i--) if (Double.isFinite(a[i])) return i;
        return -1;
    }

    private static double[] finiteSorted(double[] a) {
        double[] f = Arrays.stream(a).filter(Double::isFinite).toArray();
        Arrays.sort(f);
        return f;
    }

    private static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[(int) Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
    }

    private static double positiveMin(double[] a, double[] b) {
        double lo = Double.POSITIVE_INFINITY;
        for (double v : a) if (v > 0) lo = Math.min(lo, v);
        for (double v : b) if (v > 0) lo = Math.min(lo, v);
        return lo;
    }

    private static double clampY(double py, Rectangle a) { return Math.max(a.y + 6, Math.min(a.y + a.height - 2, py)); }
}
