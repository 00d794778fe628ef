package jgpt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** `jgpt plot` end to end on a small metrics.jsonl; user mistakes exit 2 with one line. */
class PlotCommandTest {

    static String[] run(int expectedRc, String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedRc, Main.run(args), e.toString(StandardCharsets.UTF_8) + o.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[]{o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    }

    /** 120 steps with loss 5 - step/40 (so first 5, min/last 2.025), val every 40 steps (best at step 119), a cut last line. */
    static Path run(Path dir) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < 120; s++) {
            b.append("{\"step\":").append(s).append(",\"loss\":").append(5 - s / 40.0)
                    .append(",\"lr\":0.001,\"grad_norm\":1.0,\"ms\":20.0,\"tokens_per_s\":5000.0");
            if ((s + 1) % 40 == 0) b.append(",\"val_loss\":").append(5.5 - s / 40.0);
            b.append("}\n");
        }
        b.append("{\"step\":120,\"loss\":2.0,\"l");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("metrics.jsonl"), b.toString());
        return dir;
    }

    @Test void plotsARunAndSummarises(@TempDir Path tmp) throws Exception {
        Path dir = run(tmp.resolve("r1"));
        String out = run(0, "plot", dir.toString(), "--size", "640x480", "--json")[0];
        assertTrue(out.contains("┤"), "terminal chart printed: " + out);
        String[] lines = out.strip().split("\n");
        JsonNode j = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals(120, j.get("steps").asInt());
        assertEquals(5.0, j.get("first_loss").asDouble());
        assertEquals(5 - 119 / 40.0, j.get("last_loss").asDouble(), 1e-12);
        assertEquals(119, j.get("min_loss_step").asInt());
        assertEquals(3, j.get("val_points").asInt());
        assertEquals(119, j.get("best_val_step").asInt());
        assertEquals(5.5 - 119 / 40.0, j.get("best_val_loss").asDouble(), 1e-12);
        assertEquals(120 * 100, j.get("total_tokens").asDouble(), 1e-6);   // 5000 tok/s × 20 ms = 100 tokens per step
        assertEquals(1, j.get("skipped_lines").asInt());
        Path png = Path.of(j.get("png").asText());
        assertEquals(dir.resolve("loss.png"), png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(480, img.getHeight());
    }

    @Test void outLogAndNoGradNorm(@TempDir Path tmp) throws Exception {
        Path dir = run(tmp.resolve("r2"));
        Path png = tmp.resolve("pics/curve.png");
        String out = run(0, "plot", dir.toString(), "--out", png.toString(), "--log", "--no-grad-norm", "--cols", "30", "--rows", "5")[0];
        assertTrue(Files.isRegularFile(png));
        assertFalse(Files.exists(dir.resolve("loss.png")));
        assertTrue(out.contains("log scale"), out);
        assertTrue(out.contains("─".repeat(30) + "\n"), "30-column chart: " + out);
    }

    @Test void userMistakesExitTwoWithOneLine(@TempDir Path tmp) throws Exception {
        String[] missing = run(2, "plot", tmp.resolve("nope").toString());
        assertTrue(missing[1].startsWith("jgpt: ") && missing[1].strip().lines().count() == 1, missing[1]);
        String[] noMetrics = run(2, "plot", tmp.toString());
        assertTrue(noMetrics[1].contains("metrics.jsonl"), noMetrics[1]);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("metrics.jsonl"), "");
        String[] e = run(2, "plot", empty.toString());
        assertEquals(1, e[1].strip().lines().count(), e[1]);
        Path dir = run(tmp.resolve("r3"));
        assertTrue(run(2, "plot", dir.toString(), "--size", "big")[1].contains("--size"));
        assertTrue(run(2, "plot", dir.toString(), "--log", "--linear")[1].startsWith("jgpt: "));
        assertFalse(Files.exists(dir.resolve("loss.png")), "nothing written on a usage error");
    }
}
