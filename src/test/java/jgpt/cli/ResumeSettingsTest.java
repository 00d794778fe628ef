package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Found by the kill -9 torture: a run with --replicas 2 resumed on 1 replica (and default kernels), so its bits changed. */
class ResumeSettingsTest {
    @TempDir Path tmp;

    String[] train(Path out, int steps) throws Exception {
        Path text = tmp.resolve("tiny.txt");
        if (!Files.exists(text)) Files.writeString(text, "to be or not to be, that is the question. ".repeat(40));
        return new String[] {"train", "--data", text.toString(), "--tokenizer", "char", "--layers", "1", "--heads", "2", "--embd", "8",
                "--batch", "4", "--block", "8", "--steps", Integer.toString(steps), "--eval-every", "0", "--checkpoint-every", "2",
                "--threads", "2", "--kernels", "naive", "--replicas", "2", "--peak-gflops", "100",
                "--cache", tmp.resolve("cache").toString(), "--out", out.toString()};
    }

    static List<String> losses(Path run) throws Exception {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) out.add(l.replaceAll(".*\"loss\":([^,]*),.*\"grad_norm\":([^,]*),.*", "$1 $2"));
        return out;
    }

    @Test void resumeWithoutFlagsKeepsTheRunsThreadsKernelsAndReplicas() throws Exception {
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        assertEquals(0, CliRun.run(train(whole, 4)).code());
        assertEquals(0, CliRun.run(train(cut, 2)).code());
        CliRun.Run r = CliRun.run("train", "--resume", cut.toString(), "--steps", "4", "--peak-gflops", "100");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("naive kernels, batch split over 2 replicas"), r.out());
        assertEquals(losses(whole), losses(cut));
    }
}
