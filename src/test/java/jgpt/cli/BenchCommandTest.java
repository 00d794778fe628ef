package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    @Test void tinyModelReportsEveryFigureAsJson() throws Exception {
        CliRun.Run r = CliRun.run("bench", "--vocab", "17", "--layers", "2", "--heads", "2", "--embd", "16", "--block", "8",
                "--batch", "3", "--steps", "3", "--warmup", "1", "--warmup-seconds", "0", "--max-warmup-seconds", "3", "--gen-tokens", "5",
                "--peak", "100", "--threads", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        for (String key : new String[] {"train_tokens_per_s", "forward_tokens_per_s", "generate_tokens_per_s", "ms_per_step", "peak_rss_mb",
                "generate_of_bound", "read_bandwidth_gb_s"})
            assertTrue(j.get(key).asDouble() > 0, key + " = " + j.get(key));
        // 24 tokens per step at the median step time
        assertEquals(24 / (j.get("ms_per_step").asDouble() / 1e3), j.get("train_tokens_per_s").asDouble(), 1e-6 * j.get("train_tokens_per_s").asDouble());
        // the peer's formula: L·(24C² + 4TC) + 2CV per token forward, ×3 for training
        double fpt = 2 * (24.0 * 16 * 16 + 4.0 * 8 * 16) + 2.0 * 16 * 17;
        assertEquals(fpt, j.get("flops_per_token").asDouble(), 1e-9);
        assertEquals(3 * fpt, j.get("train_flops_per_token").asDouble(), 1e-9);
        assertEquals(j.get("achieved_gflops").asDouble() / 100, j.get("mfu").asDouble(), 1e-12, "MFU against --peak");
        assertTrue(j.get("ms_per_step_min").asDouble() <= j.get("ms_per_step").asDouble());
        assertTrue(j.get("ms_per_step").asDouble() <= j.get("ms_per_step_max").asDouble());
        assertTrue(r.out().contains("tokens/s"), r.out());
        // a 2.4K-parameter model on 2 threads: auto splits the batch of 3 over one replica per thread
        assertEquals(2, j.get("replicas").asInt(), "auto replicas on 2 threads");
    }

    @Test void profileSplitsAStepAndAGeneratedToken() throws Exception {
        CliRun.Run r = CliRun.run("bench", "--vocab", "17", "--layers", "2", "--heads", "2", "--embd", "16", "--block", "8",
                "--batch", "3", "--steps", "2", "--warmup", "1", "--warmup-seconds", "0", "--max-warmup-seconds", "3", "--gen-tokens", "5",
                "--peak", "100", "--threads", "2", "--profile", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode prof = r.json().get("profile_ms_per_step");
        assertTrue(prof.get("matmul").asDouble() > 0 && prof.get("attention").asDouble() > 0, prof.toString());
        assertTrue(prof.get("optimizer").asDouble() > 0, "AdamW is timed: " + prof);
        JsonNode gen = prof.get("generate_ms_per_token");
        // decoding runs the products and the cached attention, never the optimizer
        assertTrue(gen.get("matmul").asDouble() > 0 && gen.get("attention").asDouble() > 0, gen.toString());
        assertTrue(gen.get("optimizer") == null, gen.toString());
        assertTrue(r.out().contains("where a generated token's time goes") && r.out().contains("replica 0 of 2"), r.out());
    }

    @Test void replicasAreCappedByTheBatchAndBadValuesAreUserErrors() throws Exception {
        CliRun.Run r = CliRun.run("bench", "--vocab", "17", "--layers", "1", "--heads", "2", "--embd", "8", "--block", "4",
                "--batch", "2", "--steps", "2", "--warmup", "1", "--warmup-seconds", "0", "--max-warmup-seconds", "2", "--gen-tokens", "2",
                "--peak", "100", "--threads", "2", "--replicas", "5", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(2, r.json().get("replicas").asInt(), "no more replicas than sequences in the batch");
        for (String bad : new String[] {"0", "-1", "two"}) {
            CliRun.Run e = CliRun.run("bench", "--steps", "1", "--replicas", bad);
            assertEquals(2, e.code(), bad);
            assertTrue(e.err().startsWith("jgpt: ") && e.err().contains("--replicas") && e.err().strip().lines().count() == 1, e.err());
        }
    }

    @Test void badSizesAreUserErrors() {
        CliRun.Run r = CliRun.run("bench", "--embd", "30", "--heads", "4");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("jgpt: "), r.err());
        assertEquals(2, CliRun.run("bench", "--steps", "0").code());
    }
}
