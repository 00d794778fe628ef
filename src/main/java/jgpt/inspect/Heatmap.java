package jgpt.inspect;

import jgpt.UserError;
import jgpt.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Pictures of causal attention: one (T,T) matrix per layer × head, row i = query position ("attends from"),
 * column j = key position ("attended to"), weights in [0,1]. Cells above the diagonal are masked (the
 * future) and drawn in a neutral grey, so the causal triangle is visible. PNGs via BufferedImage + ImageIO,
 * headless; plus text renderings for the terminal.
 *
 * Attention arrays are plain row-major doubles: {@code att[layer][head][i·T + j]}.
 */
public final class Heatmap {
    static { Headless.init(); }   // before any AWT toolkit class initialises

    private Heatmap() {}

    // ---- token labels ----------------------------------------------------------------------------------

    /** A token as a readable label: space ␣, newline ⏎, tab ⇥, other control characters as \xNN; cut to {@code max} chars with …. */
    public static String visible(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == ' ') b.append('␣');
            else if (ch == '\n') b.append('⏎');
            else if (ch == '\r') b.append('↵');
            else if (ch == '\t') b.append('⇥');
            else if (Character.isISOControl(ch)) b.append(String.format(Locale.ROOT, "\\x%02X", (int) ch));
            else b.append(ch);
        }
        if (b.isEmpty()) return "∅";
        return b.length() <= max ? b.toString() : b.substring(0, Math.max(1, max - 1)) + "…";
    }

    /** Text for a title: spaces kept, line breaks and tabs shown as ⏎ and ⇥, cut to max chars. */
    public static String title(String s, int max) {
        String t = s.replace("\r\n", "⏎").replace('\n', '⏎').replace('\r', '⏎').replace('\t', '⇥');
        return t.length() <= max ? t : t.substring(0, max - 1) + "…";
    }

    // ---- colours -----------------------------------------------------------------------------------------

    /** Viridis, sampled at 9 points: dark (0) to yellow (1), perceptually even and colour-blind safe. */
    private static final int[] STOPS = {0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725};
    private static final Color MASKED = new Color(0xE4, 0xE4, 0xE4);
    private static final Color BG = Color.WHITE, INK = new Color(0x22, 0x22, 0x22), SUBTLE = new Color(0x66, 0x66, 0x66);

    static Color color(double v) {
        double x = Math.max(0, Math.min(1, v)) * (STOPS.length - 1);
        int i = Math.min(STOPS.length - 2, (int) x);
        double t = x - i;
        int a = STOPS[i], b = STOPS[i + 1];
        return new Color(mix(a >> 16, b >> 16, t), mix(a >> 8, b >> 8, t), mix(a, b, t));
    }

    private static int mix(int a, int b, double t) { return (int) Math.round((a & 255) * (1 - t) + (b & 255) * t); }

    // ---- one head -----------------------------------------------------------------------------------------

    /** One head's (T,T) matrix with token labels on both axes, a colour bar, and the weights written in big cells. */
    public static BufferedImage head(double[] att, int T, String[] labels, String title) {
        check(att, T, labels);
        int cell = clamp(560 / T, 6, 56);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, clamp((int) (cell * 0.7), 9, 13));
        int step = Math.max(1, (int) Math.ceil((labelFont.getSize() + 2) / (double) cell));   // label every step-th token when cells are tiny
        String[] lab = new String[T];
        for (int i = 0; i < T; i++) lab[i] = visible(labels[i], 14);

        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        FontMetrics fm = probe.createGraphics().getFontMetrics(labelFont);
        int maxLab = 0;
        for (String s : lab) maxLab = Math.max(maxLab, fm.stringWidth(s));

        int left = maxLab + 40, top = 56, bottom = maxLab + 44, right = 96;
        int W = left + T * cell + right, H = top + T * cell + bottom;
        W = Math.max(W, headerWidth(title, HEAD_NOTE));
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        header(g, title, HEAD_NOTE);

        drawMatrix(g, att, T, left, top, cell, true);

        // axis labels: rows on the left (right-aligned), columns below (rotated to read upwards)
        g.setFont(labelFont);
        g.setColor(INK);
        int asc = fm.getAscent();
        for (int i = 0; i < T; i += step) {
            int y = top + i * cell + cell / 2 + asc / 2 - 1;
            g.drawString(lab[i], left - 6 - fm.stringWidth(lab[i]), y);
        }
        AffineTransform saved = g.getTransform();
        for (int j = 0; j < T; j += step) {
            int x = left + j * cell + cell / 2 + asc / 2 - 1, y = top + T * cell + 6;
            g.setTransform(saved);
            g.translate(x, y);
            g.rotate(-Math.PI / 2);
            g.drawString(lab[j], -fm.stringWidth(lab[j]), 0);
        }
        g.setTransform(saved);
        g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 11));
        g.setColor(SUBTLE);
        g.drawString("attended to →", left, H - 10);
        g.translate(14, top + T * cell);
        g.rotate(-Math.PI / 2);
        g.drawString("attends from →", 0, 0);
        g.setTransform(saved);

        colorBar(g, left + T * cell + 24, top, Math.max(120, Math.min(T * cell, 320)));
        g.dispose();
        return img;
    }

    private static final String HEAD_NOTE = "row: query position (attends from) · column: key position (attended to) · grey: masked future";

    /** Width that fits the bold title and the note line below it. */
    /** Bold title and a grey note line at the top of a picture. */
    private static void header(Graphics2D g, String title, String note) {
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.setColor(INK);
        g.drawString(title, 12, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(SUBTLE);
        g.drawString(note, 12, 42);
    }

    private static int headerWidth(String title, String note) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        int w = Math.max(g.getFontMetrics(new Font(Font.SANS_SERIF, Font.BOLD, 16)).stringWidth(title),
                g.getFontMetrics(new Font(Font.SANS_SERIF, Font.PLAIN, 11)).stringWidth(note));
        g.dispose();
        return w + 24;
    }

    /** Cells of one matrix at (x0,y0); masked cells grey; weights written inside when cells are big enough. */
    private static void drawMatrix(Graphics2D g, double[] att, int T, int x0, int y0, int cell, boolean numbers) {
        boolean gaps = cell >= 10;
        Font nf = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(8, (int) (cell * 0.3)));
        FontMetrics fm = g.getFontMetrics(nf);
        for (int i = 0; i < T; i++)
            for (int j = 0; j < T; j++) {
                double v = att[i * T + j];
                g.setColor(j > i ? MASKED : color(v));
                g.fillRect(x0 + j * cell, y0 + i * cell, cell - (gaps ? 1 : 0), cell - (gaps ? 1 : 0));
                if (numbers && j <= i && cell >= 28) {
                    String s = String.format(Locale.ROOT, "%.2f", v).replaceFirst("^0", "");
                    g.setFont(nf);
                    g.setColor(v > 0.6 ? INK : Color.WHITE);
                    g.drawString(s, x0 + j * cell + (cell - 1 - fm.stringWidth(s)) / 2, y0 + i * cell + (cell - 1 + fm.getAscent()) / 2 - 1);
                }
            }
        g.setColor(new Color(0xBB, 0xBB, 0xBB));
        g.setStroke(new BasicStroke(1));
        g.drawRect(x0 - 1, y0 - 1, T * cell + (gaps ? 0 : 1), T * cell + (gaps ? 0 : 1));
    }

    private static void colorBar(Graphics2D g, int x, int y, int h) {
        int w = 14;
        for (int k = 0; k < h; k++) {
            g.setColor(color(1 - k / (double) (h - 1)));
            g.fillRect(x, y + k, w, 1);
        }
        g.setColor(MASKED);
        g.fillRect(x, y + h + 10, w, w);
        g.setColor(new Color(0xBB, 0xBB, 0xBB));
        g.drawRect(x, y, w, h - 1);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        g.setColor(INK);
        for (int t = 0; t <= 4; t++) {
            int yy = y + (int) Math.round((1 - t / 4.0) * (h - 1));
            g.drawLine(x + w, yy, x + w + 3, yy);
            g.drawString(String.format(Locale.ROOT, "%.2f", t / 4.0), x + w + 5, yy + 4);
        }
        g.drawString("masked", x + w + 5, y + h + 10 + w - 3);
    }

    // ---- all layers × heads -----------------------------------------------------------------------------

    /** Small multiples: one row per layer, one column per head, each panel titled "L l · H h", shared colour bar. */
    public static BufferedImage grid(double[][][] att, int T, String[] labels, String title) {
        int L = att.length, Hh = att[0].length;
        for (double[][] layer : att) {
            if (layer.length != Hh) throw new IllegalArgumentException("every layer needs " + Hh + " heads");
            for (double[] a : layer) check(a, T, labels);
        }
        int cell = clamp(144 / T, 2, 14);
        int panel = cell * T, gap = 14, titleH = 16;
        boolean axisLabels = cell >= 8;
        Font lf = new Font(Font.SANS_SERIF, Font.PLAIN, 9);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        FontMetrics fm = probe.createGraphics().getFontMetrics(lf);
        String[] lab = new String[T];
        int maxLab = 0;
        for (int i = 0; i < T; i++) { lab[i] = visible(labels[i], 10); maxLab = Math.max(maxLab, fm.stringWidth(lab[i])); }

        int left = 64 + (axisLabels ? maxLab + 4 : 0), top = 60, right = 90, bottom = (axisLabels ? maxLab + 10 : 0) + 40;
        String note = L + " layers (rows) × " + Hh + " heads (columns); each panel: query row attends to key column; grey: masked future";
        int W = left + Hh * (panel + gap) + right, H = top + L * (panel + gap + titleH) + bottom;
        W = Math.max(W, headerWidth(title, note));
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        header(g, title, note);

        Font pf = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
        AffineTransform saved = g.getTransform();
        for (int l = 0; l < L; l++)
            for (int h = 0; h < Hh; h++) {
                int x = left + h * (panel + gap), y = top + l * (panel + gap + titleH) + titleH;
                g.setFont(pf);
                g.setColor(SUBTLE);
                g.drawString("L" + l + " · H" + h, x, y - 4);
                drawMatrix(g, att[l][h], T, x, y, cell, false);
                if (axisLabels && h == 0) {
                    g.setFont(lf);
                    g.setColor(INK);
                    for (int i = 0; i < T; i++) g.drawString(lab[i], x - 4 - fm.stringWidth(lab[i]), y + i * cell + cell / 2 + 3);
                }
                if (axisLabels && l == L - 1) {
                    g.setFont(lf);
                    g.setColor(INK);
                    for (int j = 0; j < T; j++) {
                        g.setTransform(saved);
                        g.translate(x + j * cell + cell / 2 + 3, y + panel + 4);
                        g.rotate(-Math.PI / 2);
                        g.drawString(lab[j], -fm.stringWidth(lab[j]), 0);
                    }
                    g.setTransform(saved);
                }
            }
        for (int l = 0; l < L; l++) {   // row headers
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            g.setColor(INK);
            g.drawString("layer " + l, 8, top + l * (panel + gap + titleH) + titleH + panel / 2 + 4);
        }
        colorBar(g, left + Hh * (panel + gap) + 8, top + titleH, Math.max(100, Math.min(L * (panel + gap + titleH) - 60, 300)));
        g.dispose();
        return img;
    }

    // ---- files --------------------------------------------------------------------------------------------

    /** Writes layer{l}_head{h}.png for every head and attention_grid.png into dir; returns the paths written. */
    public static List<Path> writeAll(Path dir, double[][][] att, int T, String[] labels, String title) {
        List<Path> out = new ArrayList<>();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError("cannot create " + dir + ": " + e.getMessage());
        }
        for (int l = 0; l < att.length; l++)
            for (int h = 0; h < att[l].length; h++) {
                Path p = dir.resolve(String.format(Locale.ROOT, "layer%02d_head%02d.png", l, h));
                write(head(att[l][h], T, labels, title + " — layer " + l + ", head " + h), p);
                out.add(p);
            }
        Path grid = dir.resolve("attention_grid.png");
        write(grid(att, T, labels, title), grid);
        out.add(grid);
        return out;
    }

    /** PNG, crash-safe (temp file, fsync, atomic rename). */
    public static void write(BufferedImage img, Path file) {
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            if (!ImageIO.write(img, "png", png)) throw new IOException("no PNG writer");
            AtomicFiles.write(file, png.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    // ---- terminal -----------------------------------------------------------------------------------------

    private static final String SHADES = " ░▒▓█";

    /** The matrix as shaded blocks, two characters per cell, '·' above the diagonal; rows labelled by token. */
    public static String textMatrix(double[] att, int T, String[] labels) {
        check(att, T, labels);
        StringBuilder b = new StringBuilder();
        int w = 0;
        String[] lab = new String[T];
        for (int i = 0; i < T; i++) { lab[i] = visible(labels[i], 12); w = Math.max(w, lab[i].length()); }
        for (int i = 0; i < T; i++) {
            b.append(String.format(Locale.ROOT, "%" + w + "s │", lab[i]));
            for (int j = 0; j < T; j++) {
                if (j > i) { b.append(" ·"); continue; }
                char c = SHADES.charAt(Math.min(4, (int) (Math.max(0, att[i * T + j]) * 5)));
                b.append(c).append(c);
            }
            b.append('\n');
        }
        b.append(" ".repeat(w)).append("   shades: ' ' <.2  ░ <.4  ▒ <.6  ▓ <.8  █ ≥.8   · masked\n");
        return b.toString();
    }

    /** The {@code k} keys that query position {@code row} attends to most, with weights and bars, best first. */
    public static String textTop(double[] att, int T, int row, String[] labels, int k) {
        check(att, T, labels);
        int[] idx = topIndices(att, row * T, row + 1, k);
        StringBuilder b = new StringBuilder();
        for (int j : idx) {
            double v = att[row * T + j];
            b.append(String.format(Locale.ROOT, "  %5.3f %-20s %3d %s%n", v, bar(v, 20), j, visible(labels[j], 24)));
        }
        return b.toString();
    }

    /** Indices of the k largest of a[off .. off+n), largest first (k small: selection, no boxing). */
    static int[] topIndices(double[] a, int off, int n, int k) {
        k = Math.min(k, n);
        int[] idx = new int[k];
        boolean[] taken = new boolean[n];
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int j = 0; j < n; j++) if (!taken[j] && (best < 0 || a[off + j] > a[off + best])) best = j;
            taken[best] = true;
            idx[r] = best;
        }
        return idx;
    }

    private static final String EIGHTHS = "▏▎▍▌▋▊▉█";

    /** A horizontal bar of {@code width} characters for v in [0,1], with eighth-character resolution. */
    public static String bar(double v, int width) {
        int eighths = (int) Math.round(Math.max(0, Math.min(1, v)) * width * 8);
        StringBuilder b = new StringBuilder("█".repeat(eighths / 8));
        if (eighths % 8 > 0) b.append(EIGHTHS.charAt(eighths % 8 - 1));
        return b.toString();
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static Graphics2D canvas(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);   // crisp cells
        g.setColor(BG);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        return g;
    }

    private static void check(double[] att, int T, String[] labels) {
        if (att.length != T * T) throw new IllegalArgumentException("attention has " + att.length + " values, expected T·T = " + T * T);
        if (labels.length != T) throw new IllegalArgumentException(labels.length + " labels for T = " + T);
    }

    private static int clamp(int v, int lo, int hi) { return Math.max(lo, Math.min(hi, v)); }
}
