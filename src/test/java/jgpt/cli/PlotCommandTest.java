package jgpt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** `jgpt plot` end to end on a small metrics.jsonl; user mistakes exit 2 with one line. */
class PlotCommandTest {

    static String ok(String... args) {
        CliRun.Run r = CliRun.run(args);
        assertEquals(0, r.code(), r.out() + r.err());
        return r.out();
    }

    /** 120 steps with loss 5 - step/40 (so first 5, min/last 2.025), val every 40 steps (best at step 119), a cut last line. */
    static Path writeRun(Path dir) throws Exception {
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
        Path dir = writeRun(tmp.resolve("r1"));
        CliRun.Run r = CliRun.run("plot", dir.toString(), "--size", "640x480", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("┤"), "terminal chart printed: " + r.out());
        JsonNode j = r.json();
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
        Path dir = writeRun(tmp.resolve("r2"));
        Path png = tmp.resolve("pics/curve.png");
        String out = ok("plot", dir.toString(), "--out", png.toString(), "--log", "--no-grad-norm", "--cols", "30", "--rows", "5");
        assertTrue(Files.isRegularFile(png));
        assertFalse(Files.exists(dir.resolve("loss.png")));
        assertTrue(out.contains("log scale"), out);
        assertTrue(out.contains("─".repeat(30) + "\n"), "30-column chart: " + out);
    }

    @Test void userMistakesExitTwoWithOneLine(@TempDir Path tmp) throws Exception {
        assertTrue(CliRun.fails("plot", tmp.resolve("nope").toString()).contains("no run directory"));
        assertTrue(CliRun.fails("plot", tmp.toString()).contains("metrics.jsonl"));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("metrics.jsonl"), "");
        assertTrue(CliRun.fails("plot", empty.toString()).contains("no complete step"));
        Path dir = writeRun(tmp.resolve("r3"));
        assertTrue(CliRun.fails("plot", dir.toString(), "--size", "big").contains("--size"));
        CliRun.fails("plot", dir.toString(), "--log", "--linear");
        assertFalse(Files.exists(dir.resolve("loss.png")), "nothing written on a usage error");
    }
}
