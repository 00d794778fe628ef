package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jgpt.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --optimizer muon} end to end: it learns Tiny Shakespeare, resumes bit for bit, and refuses bad settings. */
class MuonTrainCommandTest {
    @TempDir Path tmp;

    String[] shakespeare(Path out, int steps, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", TestData.shakespeare().toString(), "--tokenizer", "char",
                "--layers", "2", "--heads", "2", "--embd", "32", "--batch", "8", "--block", "32", "--steps", Integer.toString(steps),
                "--optimizer", "muon", "--lr", "1e-2", "--muon-lr", "0.02", "--warmup", "0", "--schedule", "constant",
                "--eval-every", "0", "--checkpoint-every", "10", "--threads", "2", "--kernels", "java", "--peak-gflops", "100",
                "--cache", tmp.resolve("cache").toString(), "--out", out.toString(), "--json"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    static List<Double> losses(Path run) throws Exception {
        ObjectMapper om = new ObjectMapper();
        List<Double> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) out.add(om.readTree(l).get("loss").asDouble());
        return out;
    }

    static double mean(List<Double> v) { return v.stream().mapToDouble(Double::doubleValue).average().orElseThrow(); }

    /**
     * 30 steps from the uniform guess (ln 65 ≈ 4.17 nats per character) must get below the loss of predicting each
     * character by its frequency alone (the text's unigram entropy, ≈ 3.3 nats), measured on the same text here.
     */
    @Test void learnsTinyShakespeareAndResumesBitForBit() throws Exception {
        Path run = tmp.resolve("run");
        CliRun.Run r = CliRun.run(shakespeare(run, 30));
        assertEquals(0, r.code(), r.out() + r.err());
        List<Double> loss = losses(run);
        assertEquals(30, loss.size());
        String text = Files.readString(TestData.shakespeare());
        int[] count = new int[65536];
        text.chars().forEach(c -> count[c]++);
        double unigram = 0;
        for (int c : count) if (c > 0) unigram -= (double) c / text.length() * Math.log((double) c / text.length());
        double first = loss.get(0), last = mean(loss.subList(25, 30));
        assertTrue(Math.abs(first - Math.log(65)) < 0.3, "the untrained model guesses about uniformly: " + first);
        assertTrue(last < unigram, "mean loss of the last 5 steps " + last + " should beat the unigram entropy " + unigram + ": " + loss);

        // the same run cut at a checkpoint and resumed by a new command: the same losses, bit for bit
        Path cut = tmp.resolve("cut");
        assertEquals(0, CliRun.run(shakespeare(cut, 20)).code());
        CliRun.Run resumed = CliRun.run("train", "--resume", cut.toString(), "--steps", "30", "--peak-gflops", "100");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(loss, losses(cut));
    }

    @Test void badMuonSettingsExitTwoNamingTheFlag() {
        Path out = tmp.resolve("bad");
        assertTrue(CliRun.fails(shakespeare(out, 3, "--muon-lr", "0")).contains("--muon-lr"));
        assertTrue(CliRun.fails(shakespeare(out, 3, "--muon-momentum", "1")).contains("--muon-momentum"));
        assertTrue(!Files.exists(out));
        CliRun.Run p = CliRun.run(shakespeare(out, 3, "--muon-lr", "0.03", "--print-config"));
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("\"muon-lr\"") && p.out().contains("0.03"), p.out());
    }
}
