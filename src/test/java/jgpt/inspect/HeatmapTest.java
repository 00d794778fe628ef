package jgpt.inspect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class HeatmapTest {

    /** Row i attends only to position i (weight 1 on the diagonal). */
    static double[] diagonal(int T) {
        double[] a = new double[T * T];
        for (int i = 0; i < T; i++) a[i * T + i] = 1;
        return a;
    }

    static int count(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xFFFFFF) == rgb) n++;
        return n;
    }

    @Test void visibleLabels() {
        assertEquals("␣Paris", Heatmap.visible(" Paris", 20));
        assertEquals("⏎⏎", Heatmap.visible("\n\n", 20));
        assertEquals("a⇥b", Heatmap.visible("a\tb", 20));
        assertEquals("\\x07", Heatmap.visible("\u0007", 20));
        assertEquals("␣abcd…", Heatmap.visible(" abcdefgh", 6));
        assertEquals("∅", Heatmap.visible("", 6));
    }

    @Test void headShowsCausalTriangleAndScale(@TempDir Path dir) throws Exception {
        int T = 5;
        String[] labels = {"The", " capital", " of", "\n", " is"};
        BufferedImage img = Heatmap.head(diagonal(T), T, labels, "test");
        int masked = 0xE4E4E4, hot = Heatmap.color(1).getRGB() & 0xFFFFFF, cold = Heatmap.color(0).getRGB() & 0xFFFFFF;
        int cells = T * (T - 1) / 2;
        // Masked grey covers the T(T-1)/2 future cells (plus the legend swatch); weight-1 cells exist; zeros are dark.
        assertTrue(count(img, masked) > cells * 100, "masked area");
        assertTrue(count(img, hot) > T * 100, "diagonal drawn in the top colour");
        assertTrue(count(img, cold) > (cells - T) * 50, "zeros drawn in the bottom colour");
        assertNotEquals(hot, cold);
        Path p = dir.resolve("h.png");
        Heatmap.write(img, p);
        BufferedImage back = ImageIO.read(p.toFile());
        assertEquals(img.getWidth(), back.getWidth());
        try (var s = Files.list(dir)) { assertEquals(1, s.count(), "no temp file left behind"); }
    }

    @Test void writeAllMakesOnePngPerHeadAndAGrid(@TempDir Path dir) throws Exception {
        int T = 3, L = 2, H = 3;
        double[][][] att = new double[L][H][];
        for (int l = 0; l < L; l++) for (int h = 0; h < H; h++) att[l][h] = diagonal(T);
        List<Path> files = Heatmap.writeAll(dir.resolve("png"), att, T, new String[]{"a", " b", "\n"}, "t");
        assertEquals(L * H + 1, files.size());
        for (Path f : files) assertNotNull(ImageIO.read(f.toFile()), f + " is a PNG");
        BufferedImage grid = ImageIO.read(dir.resolve("png/attention_grid.png").toFile());
        BufferedImage one = ImageIO.read(files.get(0).toFile());
        assertTrue(grid.getWidth() > 0 && one.getWidth() > 0);
        assertThrows(IllegalArgumentException.class, () -> Heatmap.head(new double[4], 3, new String[]{"a", "b", "c"}, "bad"));
    }

    @Test void textRenderings() {
        int T = 3;
        double[] a = {1, 0, 0, 0.5, 0.5, 0, 0.1, 0.2, 0.7};
        String m = Heatmap.textMatrix(a, T, new String[]{"x", " y", "\n"});
        String[] rows = m.split("\n");
        assertTrue(rows[0].endsWith("██ · ·"), rows[0]);        // weight 1, then two masked cells
        assertTrue(rows[1].endsWith("▒▒▒▒ ·"), rows[1]);
        assertTrue(rows[2].startsWith("⏎") || rows[2].contains("⏎"), rows[2]);
        String top = Heatmap.textTop(a, T, 2, new String[]{"x", " y", "\n"}, 2);
        String[] t = top.split("\n");
        assertEquals(2, t.length);
        assertTrue(t[0].contains("0.700") && t[0].endsWith("⏎"), t[0]);
        assertTrue(t[1].contains("0.200") && t[1].endsWith("␣y"), t[1]);
        assertEquals("██████████", Heatmap.bar(0.5, 20));
        assertEquals("█▌", Heatmap.bar(0.075, 20));
    }
}
