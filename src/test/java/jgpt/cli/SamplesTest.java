package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import jgpt.model.Sampler;
import jgpt.tensor.Tensor;
import jgpt.train.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** samples.jsonl written by train (every N steps, a fixed prompt and seed), rewritten after a resume; the sampler's distribution. */
class SamplesTest {
    @TempDir Path tmp;

    String[] tiny(Path text, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", text.toString(), "--tokenizer", "char", "--layers", "1", "--heads", "2",
                "--embd", "8", "--batch", "2", "--block", "8", "--eval-every", "0", "--threads", "1", "--kernels", "naive",
                "--cache", tmp.resolve("cache").toString(), "--sample-tokens", "12"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    static List<JsonNode> lines(Path run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve(Samples.FILE))) out.add(new ObjectMapper().readTree(l));
        return out;
    }

    static List<Long> steps(Path run) throws Exception { return lines(run).stream().map(n -> n.get("step").asLong()).toList(); }

    @Test void trainWritesSamplesAndAResumeRewritesTheOnesPastItsCheckpoint() throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "to be or not to be, that is the question. ".repeat(40));
        Path run = tmp.resolve("run");
        CliRun.Run r = CliRun.run(tiny(text, "--steps", "6", "--sample-every", "4", "--out", run.toString()));
        assertEquals(0, r.code, r.err);
        assertEquals(List.of(0L, 4L, 6L), steps(run));                          // every 4, plus the first and the last
        for (JsonNode n : lines(run)) {
            assertEquals(6, n.get("steps").asInt());
            assertEquals(lines(run).get(0).get("prompt").asText(), n.get("prompt").asText());   // a text without newlines: token 0
            assertEquals(12, n.get("text").asText().codePointCount(0, n.get("text").asText().length()));
        }
        // the last sample is what jgpt sample draws from the saved model with the same settings and the run's seed
        JsonNode last = lines(run).get(2);
        CliRun.Run s = CliRun.run("sample", "--model", run.toString(), "--prompt", last.get("prompt").asText(), "--tokens", "12",
                "--temperature", "0.8", "--top-k", "200", "--seed", "1337", "--json", "--kernels", "naive");
        assertEquals(0, s.code, s.err);
        assertEquals(s.json().get("text").asText(), last.get("text").asText());
        // a crashed run may have sampled past its checkpoint: a resume writes those steps again
        Files.writeString(run.resolve(Samples.FILE), "{\"step\":7,\"steps\":6,\"prompt\":\"\\n\",\"text\":\"stale\"}\n", StandardOpenOption.APPEND);
        CliRun.Run again = CliRun.run("train", "--resume", run.toString(), "--steps", "9", "--threads", "1", "--kernels", "naive");
        assertEquals(0, again.code, again.err);
        assertEquals(List.of(0L, 4L, 6L, 8L, 9L), steps(run));
        assertTrue(lines(run).stream().noneMatch(n -> n.get("text").asText().equals("stale")));

        Path quiet = tmp.resolve("quiet");
        assertEquals(0, CliRun.run(tiny(text, "--steps", "3", "--sample-every", "0", "--out", quiet.toString())).code);
        assertFalse(Files.exists(quiet.resolve(Samples.FILE)));
        assertEquals(3, Samples.defaultEvery(11));
        assertEquals(1, Samples.defaultEvery(2));
    }

    @Test void distributionIsWhatSampleDrawsFrom() {
        Tensor logits = Tensor.wrap("l", new float[] {1f, 3f, 2f, -1f, 2f, 0.5f}, 6);
        double[] full = new Sampler(6, 1, 0, 1, 0).distribution(logits);
        double z = 0;
        for (int i = 0; i < 6; i++) z += Math.exp(logits.get(i));
        for (int i = 0; i < 6; i++) assertEquals(Math.exp(logits.get(i)) / z, full[i], 1e-12);
        double[] k2 = new Sampler(6, 0.5, 2, 1, 0).distribution(logits);        // top-2 keeps 3, and both tied 2s
        assertEquals(0, k2[0]);
        assertEquals(0, k2[3]);
        assertEquals(1, k2[1] + k2[2] + k2[4], 1e-12);
        assertEquals(k2[2], k2[4]);
        double[] greedy = new Sampler(6, 0, 0, 1, 0).distribution(logits);
        assertEquals(1, greedy[1]);
        // draws land only where the distribution is positive, with about its frequencies
        Sampler s = new Sampler(6, 1, 3, 0.8, 42);
        double[] p = new Sampler(6, 1, 3, 0.8, 42).distribution(logits);
        int[] count = new int[6];
        int n = 20_000;
        for (int i = 0; i < n; i++) count[s.sample(logits)]++;
        for (int i = 0; i < 6; i++) {
            if (p[i] == 0) assertEquals(0, count[i], "token " + i);
            else assertEquals(p[i], count[i] / (double) n, 0.02, "token " + i);
        }
    }
}
