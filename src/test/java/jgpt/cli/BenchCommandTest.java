package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import jgpt.model.Config;
import jgpt.train.Trainer;
import org.junit.jupiter.api.Test;

/** bench runs end to end on a tiny model and reports consistent figures (no timing is asserted). */
class BenchCommandTest {
    @Test void reportsEveryFigureAsJson() throws Exception {
        CliRun.Run r = CliRun.run("bench", "--vocab", "17", "--layers", "1", "--heads", "2", "--embd", "16", "--block", "8", "--batch", "2",
                "--steps", "2", "--gen-tokens", "4", "--threads", "1", "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = r.json();
        for (String key : new String[] {"train_tokens_per_s", "forward_tokens_per_s", "generate_tokens_per_s", "ms_per_step", "mfu", "peak_rss_mb", "peak_gflops"})
            assertTrue(j.get(key).asDouble() > 0, key + " = " + j.get(key));
        // tokens/s is B·T per median step; FLOPs per token follow the peer's formula
        assertEquals(16 / (j.get("ms_per_step").asDouble() / 1e3), j.get("train_tokens_per_s").asDouble(), 1e-6);
        assertEquals(Trainer.flopsPerTokenForward(Config.gpt2(17, 8, 1, 2, 16), 8), j.get("fwd_flops_per_token").asLong());
        assertEquals(1 * (24L * 16 * 16 + 4L * 8 * 16) + 2L * 16 * 17, j.get("fwd_flops_per_token").asLong());
    }

    @Test void rejectsBadSizes() {
        assertTrue(CliRun.fails("bench", "--embd", "10", "--heads", "3").contains("divisible"));
        assertTrue(CliRun.fails("bench", "--steps", "0").contains("positive"));
    }
}
