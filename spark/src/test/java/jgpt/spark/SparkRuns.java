package jgpt.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Shared by the Spark tests: Tiny Shakespeare prepared once, a tiny model's train arguments, a run's losses. */
final class SparkRuns {
    private SparkRuns() {}

    /** shared/data/tinyshakespeare.txt beside the checkout (never committed), as the core tests find it. */
    static Path shakespeare() {
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; up < 5 && dir != null; up++, dir = dir.getParent()) {
            Path p = dir.resolve("shared/data/tinyshakespeare.txt");
            if (Files.isRegularFile(p)) return p;
        }
        throw new IllegalStateException("tinyshakespeare.txt not found in shared/data/ beside the checkout");
    }

    /** Tiny Shakespeare as train.bin/val.bin in dir (char level). */
    static Path prepared(Path dir) {
        int code = jgpt.cli.Main.run("prepare", "--input", shakespeare().toString(), "--tokenizer", "char", "--out", dir.toString());
        assertEquals(0, code, "prepare");
        return dir;
    }

    /** 2 layers, 32 wide, batch 4 × block 32, 2 micro-batches per step, dropout on, constant lr (so a resume with more --steps is the same run). */
    static List<String> tiny(Path data, Path out, int steps, String kernels) { return tiny(data.toString(), out, steps, kernels); }

    static List<String> tiny(String data, Path out, int steps, String kernels) {
        return new ArrayList<>(List.of("train", "--data", data, "--out", out.toString(), "--layers", "2", "--heads", "2", "--embd", "32",
                "--block", "32", "--batch", "4", "--grad-accum", "2", "--dropout", "0.1", "--steps", String.valueOf(steps), "--lr", "3e-3",
                "--schedule", "constant", "--warmup", "0", "--eval-every", "4", "--eval-batches", "2", "--checkpoint-every", "0",
                "--seed", "7", "--kernels", kernels, "--threads", "2"));
    }

    static int train(List<String> args, String... more) {
        List<String> a = new ArrayList<>(args);
        a.addAll(List.of(more));
        return jgpt.cli.Main.run(a.toArray(String[]::new));
    }

    /** Each step's training loss, and then each validation loss, from RUNDIR/metrics.jsonl. */
    static List<Double> losses(Path run) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Double> train = new ArrayList<>(), val = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            var m = json.readTree(line);
            train.add(m.get("loss").asDouble());
            if (m.has("val_loss")) val.add(m.get("val_loss").asDouble());
        }
        train.addAll(val);
        return train;
    }

    static void assertClose(List<Double> want, List<Double> got, double rel, String what) {
        assertEquals(want.size(), got.size(), what + ": number of losses");
        for (int i = 0; i < want.size(); i++)
            assertEquals(want.get(i), got.get(i), rel * Math.abs(want.get(i)), what + ": loss " + i);
    }
}
