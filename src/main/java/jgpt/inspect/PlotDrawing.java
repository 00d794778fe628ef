package jgpt.inspect;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.util.Arrays;
import java.util.List;

import static jgpt.inspect.LossPlot.Palette.*;

/**
 * The drawing primitives of {@link LossPlot}'s panels: the data-to-pixel {@link Axis}, a framed panel with
 * grid, ticks and a rotated title, a per-step series (polyline, or a min–max band when points outnumber
 * pixels), dots, haloed text and the legend. Apart from LossPlot so that file keeps what is specific to a
 * run's picture (layout, the panels' ranges and contents, ticks, the terminal chart). Headless like LossPlot.
 */
final class PlotDrawing {
    static { Headless.init(); }   // before the first AWT class initialises

    private PlotDrawing() {}

    static Font font(int style, float size) { return new Font(Font.SANS_SERIF, style, 1).deriveFont(size); }

    /** Maps data values to pixels: v = lo at p0, v = hi at p1 (for y, p0 is the bottom edge). */
    static final class Axis {
        final double lo, hi;
        final boolean log;
        final double p0, p1;

        Axis(double lo, double hi, boolean log, double p0, double p1) {
            this.lo = lo; this.hi = hi; this.log = log; this.p0 = p0; this.p1 = p1;
        }

        double px(double v) {
            double t = log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
            return p0 + t * (p1 - p0);
        }

        boolean drawable(double v) { return Double.isFinite(v) && (!log || v > 0); }
    }

    /** Grid, frame, tick labels (x only when labels are given) and the rotated axis title. */
    static void frame(Graphics2D g, Rectangle a, Axis x, Axis y, double[] xt, String[] xl, double[] yt, String[] yl, String title) {
        g.setStroke(new BasicStroke(1f));
        g.setColor(GRID);
        for (double v : xt) { double px = Math.round(x.px(v)) + 0.5; if (px > a.x + 1 && px < a.x + a.width) g.draw(new Line2D.Double(px, a.y, px, a.y + a.height)); }
        for (double v : yt) { double py = Math.round(y.px(v)) + 0.5; if (py > a.y && py < a.y + a.height - 1) g.draw(new Line2D.Double(a.x, py, a.x + a.width, py)); }
        g.setColor(FRAME);
        g.draw(new Rectangle(a.x, a.y, a.width, a.height));
        g.setFont(font(Font.PLAIN, 12f));
        FontMetrics fm = g.getFontMetrics();
        g.setColor(SUBTLE);
        for (int i = 0; i < yt.length; i++) {
            double py = y.px(yt[i]);
            if (py < a.y - 1 || py > a.y + a.height + 1) continue;
            g.setColor(FRAME);
            g.draw(new Line2D.Double(a.x - 4, Math.round(py) + 0.5, a.x, Math.round(py) + 0.5));
            g.setColor(SUBTLE);
            g.drawString(yl[i], a.x - 7 - fm.stringWidth(yl[i]), (float) py + 4);
        }
        if (xl != null)
            for (int i = 0; i < xt.length; i++) {
                double px = x.px(xt[i]);
                if (px < a.x - 1 || px > a.x + a.width + 1) continue;
                g.setColor(FRAME);
                g.draw(new Line2D.Double(Math.round(px) + 0.5, a.y + a.height, Math.round(px) + 0.5, a.y + a.height + 4));
                g.setColor(SUBTLE);
                g.drawString(xl[i], (float) px - fm.stringWidth(xl[i]) / 2f, a.y + a.height + 18);
            }
        AffineTransform saved = g.getTransform();
        g.setFont(font(Font.PLAIN, 12.5f));
        g.setColor(INK);
        fm = g.getFontMetrics();
        g.translate(22, a.y + a.height / 2.0 + fm.stringWidth(title) / 2.0);
        g.rotate(-Math.PI / 2);
        g.drawString(title, 0, 0);
        g.setTransform(saved);
    }

    /** A noisy per-step series: a polyline when there are few points per pixel, else the per-pixel min–max band. */
    static void series(Graphics2D g, Axis x, Axis y, long[] xs, double[] ys, Rectangle a) {
        if (xs.length <= 2 * a.width) {
            g.draw(line(x, y, xs, ys, Integer.MAX_VALUE));
            return;
        }
        double[] lo = new double[a.width + 1], hi = new double[a.width + 1];
        Arrays.fill(lo, Double.NaN);
        Arrays.fill(hi, Double.NaN);
        for (int i = 0; i < xs.length; i++) {
            if (!y.drawable(ys[i])) continue;
            int c = (int) Math.max(0, Math.min(a.width, Math.round(x.px(xs[i]) - a.x)));
            double py = y.px(ys[i]);
            if (!(py >= lo[c])) lo[c] = py;
            if (!(py <= hi[c])) hi[c] = py;
        }
        for (int c = 0; c <= a.width; c++)
            if (Double.isFinite(lo[c])) g.draw(new Line2D.Double(a.x + c, lo[c] - 0.5, a.x + c, hi[c] + 0.5));
    }

    /** A polyline through the finite points; with more points than ~2 per pixel, one point (the last) per pixel column. */
    static Path2D line(Axis x, Axis y, long[] xs, double[] ys, int pixels) {
        Path2D p = new Path2D.Double();
        boolean open = false;
        boolean thin = pixels != Integer.MAX_VALUE && xs.length > 2 * pixels;
        for (int i = 0; i < xs.length; i++) {
            if (!y.drawable(ys[i])) { open = false; continue; }
            double px = x.px(xs[i]), py = y.px(ys[i]);
            if (thin && i + 1 < xs.length && y.drawable(ys[i + 1]) && Math.round(x.px(xs[i + 1])) == Math.round(px)) continue;   // the next point is in this pixel column
            if (open) p.lineTo(px, py); else p.moveTo(px, py);
            open = true;
        }
        return p;
    }

    static void dots(Graphics2D g, Axis x, Axis y, long[] xs, double[] ys, double r, Color fill, Color ring) {
        for (int i = 0; i < xs.length; i++) {
            if (!y.drawable(ys[i])) continue;
            Ellipse2D e = new Ellipse2D.Double(x.px(xs[i]) - r, y.px(ys[i]) - r, 2 * r, 2 * r);
            g.setColor(fill);
            g.fill(e);
            if (ring != null) {
                g.setColor(ring);
                g.setStroke(new BasicStroke(1.3f));
                g.draw(e);
            }
        }
    }

    /** Text with a white outline, readable over curves and grid. */
    static void halo(Graphics2D g, String text, double x, double y, Color c) {
        java.awt.font.TextLayout tl = new java.awt.font.TextLayout(text, g.getFont(), g.getFontRenderContext());
        Shape outline = tl.getOutline(AffineTransform.getTranslateInstance(x, y));
        g.setColor(BG);
        g.setStroke(new BasicStroke(4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(outline);
        g.setColor(c);
        g.fill(outline);
    }

    /** The legend in whichever corner of the panel the curves cross least (top right first). */
    static void legend(Graphics2D g, Rectangle a, List<Object[]> items, Axis x, Axis y, long[] steps, double[] ema, double[] valLoss) {
        g.setFont(font(Font.PLAIN, 12.5f));
        FontMetrics fm = g.getFontMetrics();
        int tw = 0;
        for (Object[] it : items) tw = Math.max(tw, fm.stringWidth((String) it[3]));
        int rowH = 20, w = 12 + 30 + 8 + tw + 12, h = 8 + items.size() * rowH + 4, inset = 12;
        int[][] corners = {{a.x + a.width - w - inset, a.y + inset}, {a.x + a.width - w - inset, a.y + a.height - h - inset},
                {a.x + inset, a.y + a.height - h - inset}, {a.x + inset, a.y + inset}};
        int bestC = 0, bestHits = Integer.MAX_VALUE;
        for (int c = 0; c < corners.length; c++) {
            Rectangle r = new Rectangle(corners[c][0] - 4, corners[c][1] - 4, w + 8, h + 8);
            int hits = 0;
            for (int i = 0; i < steps.length; i++) {
                if (y.drawable(ema[i]) && r.contains(x.px(steps[i]), y.px(ema[i]))) hits++;
                if (valLoss != null && y.drawable(valLoss[i]) && r.contains(x.px(steps[i]), y.px(valLoss[i]))) hits += Math.max(1, steps.length / 50);
            }
            if (hits < bestHits) { bestHits = hits; bestC = c; }
        }
        int lx = corners[bestC][0], ly = corners[bestC][1];
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRoundRect(lx, ly, w, h, 8, 8);
        g.setColor(new Color(0xD0D0D0));
        g.setStroke(new BasicStroke(1f));
        g.drawRoundRect(lx, ly, w, h, 8, 8);
        for (int k = 0; k < items.size(); k++) {
            Object[] it = items.get(k);
            double cy = ly + 8 + k * rowH + rowH / 2.0 - 2;
            g.setColor((Color) it[0]);
            g.setStroke(new BasicStroke((Float) it[1], BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(new Line2D.Double(lx + 12, cy, lx + 42, cy));
            if ((Boolean) it[2]) {
                Ellipse2D e = new Ellipse2D.Double(lx + 27 - 4.2, cy - 4.2, 8.4, 8.4);
                g.fill(e);
                g.setColor(BG);
                g.setStroke(new BasicStroke(1.3f));
                g.draw(e);
            }
            g.setColor(INK);
            g.drawString((String) it[3], lx + 50, (float) cy + 4.5f);
        }
    }
}
