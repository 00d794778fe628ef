package jgpt.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class RunMetricsTest {

    static String line(long step, double loss, String extra) {
        return "{\"step\":" + step + ",\"loss\":" + loss + ",\"lr\":0.001,\"grad_norm\":1.5,\"ms\":100.0,\"tokens_per_s\":10000.0" + extra + "}\n";
    }

    @Test void truncatedLastLineIsSkipped() {
        String text = line(0, 4.0, "") + line(1, 3.5, "") + line(2, 3.0, "") + "{\"step\":3,\"loss\":2.9,\"lr\":0.0";
        RunMetrics m = RunMetrics.parse(text, "run");
        assertEquals(3, m.n);
        assertArrayEquals(new long[]{0, 1, 2}, m.step);
        assertArrayEquals(new double[]{4.0, 3.5, 3.0}, m.loss);
        assertEquals(1, m.skipped);
    }

    @Test void validationPointsAndSummary() {
        String text = line(0, 4.0, "") + line(1, 3.0, ",\"val_loss\":3.2") + line(2, 2.5, "")
                + line(3, 2.0, ",\"val_loss\":2.7") + line(4, 2.2, "") + line(5, 2.1, ",\"val_loss\":2.9");
        RunMetrics m = RunMetrics.parse(text, "run");
        assertArrayEquals(new int[]{1, 3, 5}, m.valIndices());
        assertTrue(Double.isNaN(m.valLoss[0]), "no val_loss on training-only steps");
        RunMetrics.Summary s = m.summary();
        assertEquals(6, s.steps());
        assertEquals(4.0, s.firstLoss());
        assertEquals(2.1, s.lastLoss());
        assertEquals(2.0, s.minLoss());
        assertEquals(3, s.minLossStep());
        assertEquals(3, s.valPoints());
        assertEquals(2.7, s.bestValLoss());
        assertEquals(3, s.bestValStep());
        assertEquals(2.9, s.lastValLoss());
        assertEquals(5, s.lastValStep());
        JsonNode j = s.json(new ObjectMapper());
        assertEquals(2.7, j.get("best_val_loss").asDouble());
        assertEquals(3, j.get("best_val_step").asInt());
    }

    @Test void aResumedRunsRewrittenStepsReplaceTheOldOnes() {
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < 8; s++) b.append(line(s, 9.0, ""));   // first attempt reached step 7
        b.append("{\"step\":8,\"lo\n");                              // and crashed mid-line
        for (int s = 5; s < 10; s++) b.append(line(s, 2.0, ""));   // resumed from the step-5 checkpoint
        RunMetrics m = RunMetrics.parse(b.toString(), "run");
        assertEquals(10, m.n);
        for (int i = 0; i < m.n; i++) {
            assertEquals(i, m.step[i]);
            assertEquals(i < 5 ? 9.0 : 2.0, m.loss[i], "step " + i + " comes from the attempt that wrote it last");
        }
        assertEquals(3, m.superseded);
        assertEquals(1, m.skipped);
    }

    @Test void missingFieldsAreNaNAndNoValidationGivesNulls() {
        RunMetrics m = RunMetrics.parse("{\"step\":0,\"loss\":3.0}\n{\"step\":1,\"loss\":2.0}\n", "bare");
        assertEquals(2, m.n);
        assertTrue(Double.isNaN(m.lr[0]) && Double.isNaN(m.ms[1]) && Double.isNaN(m.gradNorm[0]));
        RunMetrics.Summary s = m.summary();
        assertEquals(0, s.valPoints());
        assertTrue(Double.isNaN(s.bestValLoss()) && Double.isNaN(s.totalSeconds()));
        JsonNode j = s.json(new ObjectMapper());
        assertTrue(j.get("best_val_loss").isNull());
        assertTrue(j.get("best_val_step").isNull());
        assertTrue(j.get("mean_tokens_per_s").isNull());
    }

    @Test void meanThroughputIsTotalTokensOverTotalTime() {
        // two steps of 1000 tokens: 100 ms (10k tok/s) and 400 ms (2.5k tok/s) -> 2000 tokens in 0.5 s = 4000 tok/s
        String text = "{\"step\":0,\"loss\":1,\"ms\":100,\"tokens_per_s\":10000}\n{\"step\":1,\"loss\":1,\"ms\":400,\"tokens_per_s\":2500}\n";
        RunMetrics.Summary s = RunMetrics.parse(text, "r").summary();
        assertEquals(2000, s.totalTokens(), 1e-9);
        assertEquals(0.5, s.totalSeconds(), 1e-12);
        assertEquals(4000, s.meanTokensPerS(), 1e-9);
    }

    @Test void emaIsBiasCorrectedAndSmooths() {
        double[] c = RunMetrics.ema(new double[]{5, 5, 5, 5}, 10);
        for (double v : c) assertEquals(5, v, 1e-12, "a constant stays constant from the first step");
        double[] alt = new double[200];
        for (int i = 0; i < alt.length; i++) alt[i] = i % 2 == 0 ? 1 : 3;
        double[] e = RunMetrics.ema(alt, 20);
        assertEquals(2, e[199], 0.15, "alternating 1,3 averages to about 2");
        double[] gap = RunMetrics.ema(new double[]{2, Double.NaN, 2}, 5);
        assertEquals(2, gap[1], 1e-12, "a missing value repeats the average");
    }

    @Test void readGivesUserErrorsForMissingOrEmptyRuns(@TempDir Path tmp) throws Exception {
        assertThrows(UserError.class, () -> RunMetrics.read(tmp.resolve("nope")));
        assertThrows(UserError.class, () -> RunMetrics.read(tmp));   // a directory without metrics.jsonl
        Files.writeString(tmp.resolve("metrics.jsonl"), "");
        assertThrows(UserError.class, () -> RunMetrics.read(tmp));
        Files.writeString(tmp.resolve("metrics.jsonl"), "{\"step\":0,\"lo");
        assertThrows(UserError.class, () -> RunMetrics.read(tmp));
        Files.writeString(tmp.resolve("metrics.jsonl"), line(0, 3.0, ""));
        RunMetrics m = RunMetrics.read(tmp);
        assertEquals(tmp.getFileName().toString(), m.name);
        assertEquals(1, m.n);
    }
}
