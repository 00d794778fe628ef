package jgpt.inspect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LossPlotTest {

    /** A run-like series: loss decaying from about hi to lo with noise, val every 50 steps, warm-up + cosine lr. */
    static String metrics(int n, double hi, double lo) { return metrics(n, hi, lo, 50); }

    static String metrics(int n, double hi, double lo, int valEvery) {
        Random r = new Random(3);
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < n; s++) {
            double loss = lo + (hi - lo) * Math.exp(-s / (n / 6.0)) + 0.03 * r.nextGaussian() * lo;
            double lr = 1e-3 * Math.min(1, (s + 1) / 20.0) * (0.1 + 0.45 * (1 + Math.cos(Math.PI * s / n)));
            b.append(String.format(java.util.Locale.ROOT, "{\"step\":%d,\"loss\":%.6f,\"lr\":%.8f,\"grad_norm\":%.4f,\"ms\":50,\"tokens_per_s\":20000%s}%n",
                    s, loss, lr, 1 + r.nextDouble(), valEvery > 0 && (s + 1) % valEvery == 0 ? String.format(java.util.Locale.ROOT, ",\"val_loss\":%.6f", loss * 1.05) : ""));
        }
        return b.toString();
    }

    static int count(BufferedImage img, Rectangle area, Color c) {
        int n = 0, rgb = c.getRGB() & 0xFFFFFF;
        for (int y = area.y; y < area.y + area.height; y++)
            for (int x = area.x; x < area.x + area.width; x++) if ((img.getRGB(x, y) & 0xFFFFFF) == rgb) n++;
        return n;
    }

    @Test void pngHasTheRequestedSizeAndTheCurvesInTheirPanels(@TempDir Path dir) throws Exception {
        RunMetrics m = RunMetrics.parse(metrics(400, 4, 1.5), "demo");
        LossPlot.Options o = new LossPlot.Options(900, 600, null, true);
        Path png = LossPlot.write(m, dir.resolve("out/loss.png"), o);
        assertTrue(Files.isRegularFile(png));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(600, img.getHeight());
        LossPlot.Layout lay = LossPlot.layout(o, true, true);
        assertTrue(count(img, lay.loss(), LossPlot.Palette.TRAIN_EMA) > 200, "bold EMA line in the loss panel");
        assertTrue(count(img, lay.loss(), LossPlot.Palette.VAL) > 30, "validation points in the loss panel");
        assertTrue(count(img, lay.lr(), LossPlot.Palette.LR) > 100, "schedule in the lr panel");
        assertTrue(count(img, lay.grad(), LossPlot.Palette.GRAD_EMA) > 100, "grad norm in its panel");
        assertEquals(0, count(img, lay.lr(), LossPlot.Palette.TRAIN_EMA), "loss is clipped to its own panel");
        try (var s = Files.list(dir.resolve("out"))) { assertEquals(1, s.count(), "no temp file left behind"); }
    }

    @Test void withoutGradNormTheLossPanelGrows() {
        RunMetrics m = RunMetrics.parse(metrics(100, 4, 1.5), "demo");
        LossPlot.Options o = new LossPlot.Options(800, 500, false, false);
        BufferedImage img = LossPlot.render(m, o);
        LossPlot.Layout with = LossPlot.layout(o, true, true), without = LossPlot.layout(o, true, false);
        assertNull(without.grad());
        assertTrue(without.loss().height > with.loss().height);
        assertEquals(0, count(img, new Rectangle(0, 0, 800, 500), LossPlot.Palette.GRAD_EMA));
    }

    /** Share of the EMA line's pixels in the bottom quarter of the loss panel. */
    static double bottomQuarterShare(BufferedImage img, Rectangle a) {
        int all = count(img, a, LossPlot.Palette.TRAIN_EMA);
        int low = count(img, new Rectangle(a.x, a.y + 3 * a.height / 4, a.width, a.height / 4), LossPlot.Palette.TRAIN_EMA);
        return low / (double) all;
    }

    @Test void logScaleSpreadsAnExponentialDecay() {
        RunMetrics m = RunMetrics.parse(metrics(600, 20, 0.05, 0), "wide");   // no val: its line would cover the EMA
        LossPlot.Options lin = new LossPlot.Options(800, 500, false, true), log = new LossPlot.Options(800, 500, true, true);
        Rectangle a = LossPlot.layout(lin, true, true).loss();
        double linShare = bottomQuarterShare(LossPlot.render(m, lin), a), logShare = bottomQuarterShare(LossPlot.render(m, log), a);
        assertTrue(linShare > 0.6, "linear: the long tail hugs the bottom, share " + linShare);
        assertTrue(logShare < linShare - 0.2, "log: the tail is spread over the panel, share " + logShare);
    }

    @Test void ticksAreRoundAndInRange() {
        double[] t = LossPlot.linearTicks(0, 2030, 8, true, 1);
        double step = t[1] - t[0];
        for (int i = 0; i < t.length; i++) {
            assertTrue(t[i] >= 0 && t[i] <= 2030);
            assertEquals(t[0] + i * step, t[i], 1e-9);
            assertEquals(0, t[i] % step, 1e-9);
        }
        assertTrue(t.length >= 5 && t.length <= 11, "about 8 ticks, got " + t.length);
        double[] few = LossPlot.linearTicks(-0.1, 4.1, 8, true, 1);
        for (double v : few) assertEquals(Math.rint(v), v, 1e-12, "no fractional step numbers");
        double[] lg = LossPlot.logTicks(0.05, 12, 5);
        assertTrue(java.util.Arrays.stream(lg).anyMatch(v -> Math.abs(v - 0.1) < 1e-12));
        assertTrue(java.util.Arrays.stream(lg).anyMatch(v -> Math.abs(v - 1) < 1e-12));
        assertTrue(java.util.Arrays.stream(lg).anyMatch(v -> Math.abs(v - 10) < 1e-12));
        assertArrayEquals(new String[]{"0", "5e-4", "1e-3"}, LossPlot.tickLabels(new double[]{0, 5e-4, 1e-3}));
        assertArrayEquals(new String[]{"1.5", "2.0", "2.5"}, LossPlot.tickLabels(new double[]{1.5, 2.0, 2.5}));
        assertArrayEquals(new String[]{"0", "12.5k", "25k"}, LossPlot.stepLabels(new double[]{0, 12500, 25000}));
        assertEquals("2.5e-4", LossPlot.sci(2.5e-4));
    }

    @Test void terminalChartOfADecreasingSeries() {
        int n = 300, width = 60, rows = 10;
        long[] xs = new long[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) { xs[i] = i; ys[i] = 5.0 - 4.0 * i / (n - 1); }
        String chart = LossPlot.chart(xs, ys, width, rows);
        String[] lines = chart.split("\n");
        assertEquals(rows + 2, lines.length);
        int col0 = lines[0].indexOf('┤') + 1;
        int[] height = new int[width];   // filled eighths per column, read back from the characters
        for (int r = 0; r < rows; r++) {
            String row = lines[r];
            assertEquals(col0 + width, row.length(), "row " + r + " is " + width + " columns wide");
            for (int c = 0; c < width; c++) {
                char ch = row.charAt(col0 + c);
                height[c] += ch == ' ' ? 0 : "▁▂▃▄▅▆▇█".indexOf(ch) + 1;
            }
        }
        assertEquals(rows * 8, height[0], "first column is full height");
        assertEquals(1, height[width - 1], "last column is the lowest sliver");
        for (int c = 1; c < width; c++) assertTrue(height[c] <= height[c - 1], "non-increasing at column " + c);
        assertTrue(lines[0].startsWith("4.9"), "max label on the top row: " + lines[0]);
        assertTrue(lines[rows - 1].startsWith("1.0"), "min label on the bottom row: " + lines[rows - 1]);
        assertTrue(lines[rows + 1].contains("299"), "last step under the axis");
    }

    @Test void sparklineRisesWithTheValues() {
        long[] xs = new long[40];
        double[] ys = new double[40];
        for (int i = 0; i < 40; i++) { xs[i] = i; ys[i] = i * i; }
        String s = LossPlot.sparkline(xs, ys, 20);
        assertEquals(20, s.length());
        assertEquals('▁', s.charAt(0));
        assertEquals('█', s.charAt(19));
    }

    @Test void writeForRunNeverThrows(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8);
        assertNull(LossPlot.writeForRun(dir.resolve("missing"), log));
        String msg = buf.toString(StandardCharsets.UTF_8);
        assertEquals(1, msg.strip().lines().count(), msg);
        assertTrue(msg.contains("missing"), msg);

        Files.writeString(dir.resolve("metrics.jsonl"), metrics(50, 3, 2));
        Path png = LossPlot.writeForRun(dir, log);
        assertEquals(dir.resolve("loss.png"), png);
        assertEquals(1200, ImageIO.read(png.toFile()).getWidth());

        Path blocked = Files.createDirectories(dir.resolve("blocked"));
        Files.writeString(blocked.resolve("metrics.jsonl"), metrics(50, 3, 2));
        Files.createDirectories(blocked.resolve("loss.png"));   // a directory where the PNG should go
        buf.reset();
        assertNull(LossPlot.writeForRun(blocked, log));
        assertEquals(1, buf.toString(StandardCharsets.UTF_8).strip().lines().count());
    }
}
